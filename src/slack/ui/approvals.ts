import type { SenderIdRecord, UnannouncedChange } from '../../core/model/senderId.js';
import { formatPartyForPeople, formatPhoneForPeople } from '../../core/phone.js';
import { countryName } from './senderIdForm.js';
import { senderIdLabel } from './senderIds.js';
import {
  type Block,
  clip,
  code,
  context,
  escapeInline,
  escapeMrkdwn,
  inlineCode,
  inlineText,
  mention,
  type SlackMessage,
  section,
  slackTime,
} from './text.js';

// Announcements in the alert channel of decisions made elsewhere (carriers, Wavix, TCR). Everything that came from
// Wavix or a person (Sender ID text, reasons, brand and campaign names) is escaped: none of it can ping or link.

type AnnouncedSenderId = Pick<SenderIdRecord, 'value' | 'type' | 'wavixId' | 'origin' | 'requestedBy'>;
type Decision = Pick<UnannouncedChange, 'country' | 'status' | 'reason'>;

const place = (country: string) => `${escapeMrkdwn(countryName(country))} (${escapeMrkdwn(country)})`;

function whoAsked(record: AnnouncedSenderId): string {
  if (record.origin === 'wavix_portal') return 'created in the Wavix portal';
  return record.requestedBy ? `requested by ${mention(record.requestedBy)}` : 'created through smsops';
}

function decisionLines(decisions: readonly Decision[]): string[] {
  const approved = decisions.filter((d) => d.status === 'approved');
  const lines: string[] = [];
  if (approved.length > 0) {
    lines.push(`:white_check_mark: *Approved* in ${approved.map((d) => place(d.country)).join(', ')}: it can send there now.`);
  }
  for (const d of decisions.filter((x) => x.status === 'rejected')) {
    lines.push(`:x: *Rejected* in ${place(d.country)}: ${d.reason ? escapeMrkdwn(d.reason) : 'no reason was given'}`);
  }
  for (const d of decisions.filter((x) => x.status === 'removed')) {
    lines.push(
      `:heavy_minus_sign: *Removed* from ${place(d.country)}${d.reason ? `: ${escapeMrkdwn(d.reason)}` : ''}. It can no longer send there.`,
    );
  }
  return lines;
}

function decisionSummary(decisions: readonly Decision[]): string {
  const by = (status: Decision['status']) => decisions.filter((d) => d.status === status).map((d) => escapeMrkdwn(d.country));
  return [
    by('approved').length > 0 ? `approved in ${by('approved').join(', ')}` : '',
    by('rejected').length > 0 ? `rejected in ${by('rejected').join(', ')}` : '',
    by('removed').length > 0 ? `removed from ${by('removed').join(', ')}` : '',
  ]
    .filter(Boolean)
    .join('; ');
}

/** One Sender ID's decisions since the last announcement: "Sender ID Acme (requested by @alice): approved in FR". */
export function senderIdDecisionsMessage(record: AnnouncedSenderId, decisions: readonly Decision[]): SlackMessage {
  const label = senderIdLabel(record);
  const blocks: Block[] = [
    section(`:mega: Sender ID *${label}* (${record.type}), ${whoAsked(record)}`),
    section(decisionLines(decisions).join('\n')),
  ];
  const notes = [`Wavix id ${escapeMrkdwn(record.wavixId)}`];
  // Wavix's API has no rejected state (a refused country just never joins allowlisted_in): say where it came from.
  if (decisions.some((d) => d.status === 'rejected')) notes.push('rejections are recorded in smsops from what Wavix reported');
  blocks.push(context(notes.join(' · ')));
  return { text: `Sender ID ${label} (${whoAsked(record)}): ${decisionSummary(decisions)}`, blocks };
}

/**
 * A Sender ID deleted in the Wavix portal: "Sender ID Acme (requested by @alice): deleted in the Wavix portal: no longer
 * approved in FR, GB". Countries still pending are named apart: they never could send.
 */
export function senderIdDeletedMessage(event: {
  senderId: AnnouncedSenderId;
  deletedAt: number;
  deletedBy?: string | null;
  approvedIn: readonly string[];
  pendingIn: readonly string[];
}): SlackMessage {
  const label = senderIdLabel(event.senderId);
  const codes = (countries: readonly string[]) => countries.map(escapeMrkdwn).join(', ');
  const where = event.deletedBy ? `from Slack by ${mention(event.deletedBy)}` : 'in the Wavix portal';
  const lost = event.approvedIn.length > 0 ? `no longer approved in ${codes(event.approvedIn)}` : 'it was approved nowhere';
  const waiting = event.pendingIn.length > 0 ? `; no longer pending in ${codes(event.pendingIn)}` : '';
  const lines = [
    event.approvedIn.length > 0
      ? `:wastebasket: *Deleted* ${where}: it can no longer send in ${event.approvedIn.map(place).join(', ')}.`
      : `:wastebasket: *Deleted* ${where}: it was approved in no country yet.`,
  ];
  if (event.pendingIn.length > 0) {
    lines.push(`The requests for ${event.pendingIn.map(place).join(', ')} went with it: no carrier decision will come.`);
  }
  return {
    text: `Sender ID ${label} (${whoAsked(event.senderId)}): deleted ${where}: ${lost}${waiting}`,
    blocks: [
      section(`:mega: Sender ID *${label}* (${event.senderId.type}), ${whoAsked(event.senderId)}`),
      section(lines.join('\n')),
      context(`Wavix id ${escapeMrkdwn(event.senderId.wavixId)} · gone from Wavix's list since ${slackTime(event.deletedAt)}`),
    ],
  };
}

/** The alert raised with a rejection: it stays open until the country is approved after all. */
export function senderIdRejectedAlertSummary(
  record: { value: string; type: string },
  country: string,
  reason: string | null,
): string {
  // Raw text: the alert view escapes the summary.
  const value = record.type === 'numeric' ? formatPhoneForPeople(`+${record.value.replace(/^\+/, '')}`) : record.value;
  return `Sender ID ${value} was rejected in ${countryName(country)} (${country})${reason ? `: ${reason}` : ''}`;
}

export function wavixUnreachableAlertSummary(runs: number, lastError: string, source?: 'watch'): string {
  if (source === 'watch') {
    return `smsops could not read Wavix in the last ${runs} traffic-watch runs, so webhook drift, inbound SMS deactivated and the balance are not checked meanwhile: ${lastError}`;
  }
  return `smsops could not reach Wavix in the last ${runs} Sender ID checks: ${lastError}`;
}

// --- US 10DLC ----------------------------------------------------------------------------------------------------

/** What a status means for sending, in the words of Wavix's API reference. */
const TEN_DLC_MEANING: Record<string, string> = {
  SELF_DECLARED: 'registered without external verification',
  UNVERIFIED: 'verification has not succeeded yet',
  VERIFIED: 'passed verification',
  VETTED_VERIFIED: 'passed verification and third-party vetting',
  REVIEW: 'under review',
  SUSPENDED: 'blocked from sending',
  APPROVED: 'approved: US messages can go out',
  DECLINED: 'rejected in review: its numbers cannot send to the US',
  DELETED: 'removed',
  EXPIRED: 'registration lapsed: its numbers cannot send to the US',
  PORTED_OUT: 'moved to another provider',
  PENDING: 'registration in progress',
  REJECTED: 'registration declined: it cannot send to the US',
};

const GOOD = new Set(['APPROVED', 'VERIFIED', 'VETTED_VERIFIED']);
const BAD = new Set(['SUSPENDED', 'DECLINED', 'REJECTED', 'EXPIRED', 'DELETED']);
const statusIcon = (status: string) =>
  GOOD.has(status) ? ':white_check_mark:' : BAD.has(status) ? ':no_entry:' : ':hourglass_flowing_sand:';

export interface TenDlcChangeView {
  change: {
    kind: 'brand' | 'campaign' | 'number';
    brandId: string;
    campaignId: string | null;
    number: string | null;
    status: string;
    /** Null when first seen (announcements only). */
    previousStatus?: string | null;
    source?: string;
  };
  /** The brand's DBA or company name, when a poll has seen it. */
  brandLabel: string | null;
  /** The campaign's name, when a poll has seen it. */
  campaignLabel: string | null;
}

/**
 * How a text is written: in a Slack message (escaped, with bold), or raw for an alert summary (escaped by its view).
 * Each field from Wavix (an id, a name, a status, a number) stays on one line, cannot end the bold around it (see
 * inlineText) and is cut at 100 characters: a `number` of 200,000 characters made a 200,067-character notification
 * text, five times what Slack keeps of one. A line is a few hundred characters at most.
 */
interface Style {
  esc: (text: string) => string;
  bold: (text: string) => string;
  /** A status, in inline code: Wavix's code as Wavix writes it (SELF_DECLARED, not a lookalike underscore). */
  status: (text: string) => string;
}
const TEN_DLC_FIELD_MAX = 100;
const MRKDWN: Style = {
  esc: (text) => escapeInline(clip(text, TEN_DLC_FIELD_MAX)),
  bold: (text) => `*${text}*`,
  status: (text) => code(clip(text, TEN_DLC_FIELD_MAX)),
};
const FALLBACK: Style = { ...MRKDWN, bold: (text) => text };
const RAW: Style = {
  esc: (text) => inlineText(clip(text, TEN_DLC_FIELD_MAX)),
  bold: (text) => text,
  status: (text) => inlineCode(clip(text, TEN_DLC_FIELD_MAX)),
};

/** "10DLC campaign CKLCK95 (Customer care, brand Example BM20QP9)". */
function tenDlcSubject(view: TenDlcChangeView, style: Style): string {
  const { change } = view;
  const named = (label: string | null, id: string) => style.esc(label ? `${label} ${id}` : id);
  if (change.kind === 'brand') return `10DLC brand ${style.bold(named(view.brandLabel, change.brandId))}`;
  const brand = `brand ${named(view.brandLabel, change.brandId)}`;
  const campaignId = style.esc(change.campaignId ?? '');
  const campaignName = view.campaignLabel ? `${style.esc(view.campaignLabel)}, ` : '';
  if (change.kind === 'campaign') return `10DLC campaign ${style.bold(campaignId)} (${campaignName}${brand})`;
  const number = style.esc(formatPartyForPeople(change.number ?? ''));
  return `10DLC number ${style.bold(number)} on campaign ${campaignId} (${campaignName}${brand})`;
}

function tenDlcLine(view: TenDlcChangeView, style: Style): string {
  const { change } = view;
  const was = change.previousStatus ? ` (was ${style.status(change.previousStatus)})` : ' (first seen)';
  return `${tenDlcSubject(view, style)} is now ${style.status(change.status)}${was}`;
}

const sentence = (text: string | undefined) => (text ? ` ${text[0]?.toUpperCase()}${text.slice(1)}.` : '');

/** "10DLC campaign CXXXX (brand …) is now APPROVED (was REVIEW)". */
export function tenDlcChangeMessage(view: TenDlcChangeView): SlackMessage {
  const { change } = view;
  const source = change.source === 'webhook' ? "reported by Wavix's status webhook" : 'seen when polling Wavix';
  return {
    text: tenDlcLine(view, FALLBACK),
    blocks: [
      section(`${statusIcon(change.status)} ${tenDlcLine(view, MRKDWN)}.${sentence(TEN_DLC_MEANING[change.status])}`),
      context(source),
    ],
  };
}

/** The alert's summary, raw: the alert view escapes it. */
export function tenDlcAlertSummary(view: TenDlcChangeView): string {
  const meaning = TEN_DLC_MEANING[view.change.status];
  return `${tenDlcSubject(view, RAW)} is ${RAW.status(view.change.status)}${meaning ? `: ${meaning}` : ''}`;
}
