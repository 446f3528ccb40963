import type { CountryStatus, SenderIdRecord } from '../../core/model/senderId.js';
import { formatPhoneForPeople } from '../../core/phone.js';
import { describeExisting } from '../../core/senderIdDuplicates.js';
import type { RequestedSenderId, SenderIdOverview } from '../../core/senderIds.js';
import { andMore, listInWords } from '../../core/wording.js';
import { ACTION } from '../ids.js';
import { blockTextLength } from './inboundSms.js';
import { linesIntoTexts, pageFooter, pageOf, paginate } from './pages.js';
import { countryName } from './senderIdForm.js';
import {
  type Block,
  button,
  code,
  context,
  escapeInline,
  escapeMrkdwn,
  mention,
  type SlackMessage,
  section,
  slackTime,
} from './text.js';

const STATUS_ICON: Record<CountryStatus, string> = {
  approved: ':white_check_mark:',
  pending: ':hourglass_flowing_sand:',
  rejected: ':x:',
  removed: ':heavy_minus_sign:',
};

/** A Sender ID's text for people: numbers formatted, names escaped and inline (a `*` in one cannot end the bold around it). */
export function senderIdLabel(record: Pick<SenderIdRecord, 'value' | 'type'>): string {
  return escapeInline(record.type === 'numeric' ? formatPhoneForPeople(`+${record.value.replace(/^\+/, '')}`) : record.value);
}

function countryLines(record: Pick<SenderIdRecord, 'countries' | 'deletedAt'>): string {
  if (record.countries.length === 0) return '_no countries allowlisted yet_';
  // A deleted Sender ID's countries are where it stood when it went: none of them holds any more.
  const was = record.deletedAt === null ? '' : 'was ';
  return record.countries
    .map(
      (c) =>
        `${STATUS_ICON[c.status]} ${escapeMrkdwn(countryName(c.country))} (${c.country}): ${was}${c.status}${
          c.reason ? ` — ${escapeMrkdwn(c.reason)}` : ''
        }`,
    )
    .join('\n');
}

/** Said first for a Sender ID gone from Wavix (`/sms senderid status` finds those too). */
function deletedLine(record: SenderIdRecord): string[] {
  if (record.deletedAt === null) return [];
  const where = record.deletedBy === null ? 'in the Wavix portal' : `from Slack by ${mention(record.deletedBy)}`;
  return [`:wastebasket: *Deleted ${where}* on ${slackTime(record.deletedAt)}: it can no longer send anywhere.`];
}

/** A Sender ID in as many sections as its countries need (one usually; Slack takes 3,000 characters a section). */
function senderIdBlocks(record: SenderIdRecord): Block[] {
  const who = record.requestedBy ? `requested by ${mention(record.requestedBy)}` : 'created in the Wavix portal';
  return linesIntoTexts([
    `*${senderIdLabel(record)}* · ${record.type} · ${who}`,
    ...deletedLine(record),
    ...countryLines(record).split('\n'),
    `_Wavix id ${escapeMrkdwn(record.wavixId)}_`,
  ]).map((text) => section(text));
}

function staleNote(overview: SenderIdOverview): Block[] {
  return overview.staleBecause
    ? [
        context(
          `:warning: Wavix could not be read, so this is the last known state. ${escapeMrkdwn(overview.staleBecause.userMessage)}`,
        ),
      ]
    : [];
}

/** Sender IDs a page of `/sms senderid list`: each is one section, so pages stay well inside Slack's 50 blocks. */
export const SENDER_IDS_PER_PAGE = 40;

export function senderIdListMessage(overview: SenderIdOverview, page = 1): SlackMessage {
  const { records } = overview;
  if (records.length === 0) {
    return {
      text: 'No Sender IDs yet.',
      blocks: [
        ...staleNote(overview),
        section('No Sender IDs on this Wavix account yet.'),
        {
          type: 'actions',
          elements: [button({ text: 'Request a Sender ID', actionId: ACTION.openSenderIdForm, value: 'open', style: 'primary' })],
        },
      ],
    };
  }
  // Newest first, paged within Slack's limits; every record is on some page and the footer names the next one.
  const newestFirst = [...records].reverse();
  const header = [
    ...staleNote(overview),
    section(`*${records.length} Sender ID${records.length === 1 ? '' : 's'}*, newest first`),
  ];
  const show = senderIdBlocks;
  const pages = paginate(newestFirst, show, {
    reservedBlocks: header.length + 1,
    reservedText: blockTextLength(header) + 400,
    maxItems: SENDER_IDS_PER_PAGE,
  });
  const shown = pageOf(pages, page);
  const where = shown.count > 1 ? ` (page ${shown.number} of ${shown.count})` : '';
  return {
    text: `${records.length} Sender ID${records.length === 1 ? '' : 's'}${where}`,
    blocks: [
      ...header,
      ...shown.items.flatMap(show),
      ...pageFooter(shown, { one: 'Sender ID' }, (n) => code(`/sms senderid list${n > 1 ? ` page ${n}` : ''}`)),
    ],
  };
}

export function senderIdStatusMessage(query: string, overview: SenderIdOverview): SlackMessage {
  if (overview.records.length === 0) {
    return {
      text: escapeMrkdwn(`No Sender ID matches ${query}.`),
      blocks: [
        ...staleNote(overview),
        section(`No Sender ID matches ${escapeMrkdwn(`"${query}"`)}. \`/sms senderid list\` shows them all.`),
      ],
    };
  }
  const header = staleNote(overview);
  const [fits = []] = paginate(overview.records, senderIdBlocks, {
    reservedBlocks: header.length + 1,
    reservedText: blockTextLength(header) + 300,
    maxItems: SENDER_IDS_PER_PAGE,
  });
  return {
    text: escapeMrkdwn(`Sender ID ${query}`),
    blocks: [
      ...header,
      ...fits.flatMap(senderIdBlocks),
      ...(overview.records.length > fits.length
        ? [
            context(
              andMore(
                overview.records.length - fits.length,
                { one: 'matching Sender ID' },
                '`/sms senderid list` lists them all.',
              ),
            ),
          ]
        : []),
    ],
  };
}

/** "approved in DE and GB; FR pending carrier approval": each country's state, as Wavix answered the request. */
function outcomeLine(result: RequestedSenderId): string {
  const parts: string[] = [];
  if (result.approvedNow.length > 0) parts.push(`approved in ${listInWords(result.approvedNow)}`);
  if (result.pending.length > 0) parts.push(`${listInWords(result.pending)} pending carrier approval`);
  return parts.join('; ') || 'no countries';
}

/** "GB not requested again: already approved (Wavix id …)", or nothing when every country was new. */
function alreadyRequestedNote(result: RequestedSenderId): string {
  if (result.alreadyRequested.length === 0) return '';
  const countries = result.alreadyRequested.map((e) => e.country);
  return `${listInWords(countries)} not requested again: this Sender ID is already ${describeExisting(result.alreadyRequested)}`;
}

/** The alert channel post: "Sender ID Acme requested by @user for DE, FR, GB: approved in DE and GB; FR pending carrier approval". */
export function senderIdRequestedAnnouncement(result: RequestedSenderId): SlackMessage {
  const { record } = result;
  const countries = record.countries.map((c) => c.country).join(', ');
  const who = record.requestedBy ? mention(record.requestedBy) : 'someone';
  const text = `Sender ID ${senderIdLabel(record)} (${record.type}) requested by ${who} for ${countries}: ${outcomeLine(result)}`;
  const already = alreadyRequestedNote(result);
  return {
    text,
    blocks: [
      section(`:incoming_envelope: ${text}.`),
      section(countryLines(record)),
      context(
        `${already ? `${escapeMrkdwn(already)}. ` : ''}${
          result.pending.length > 0
            ? 'smsops announces each carrier decision in a reply to this message.'
            : 'It can send there now.'
        } Wavix id ${escapeMrkdwn(record.wavixId)}`,
      ),
    ],
  };
}

/** The requester's own confirmation. */
export function senderIdRequestedConfirmation(result: RequestedSenderId): SlackMessage {
  const already = alreadyRequestedNote(result);
  const text = `Your Sender ID ${senderIdLabel(result.record)} was sent to Wavix: ${outcomeLine(result)}.${
    already ? ` ${escapeMrkdwn(already)}.` : ''
  }`;
  return { text, blocks: [section(`:white_check_mark: ${text}`), section(countryLines(result.record))] };
}

export function senderIdCreatedModalText(result: RequestedSenderId): string {
  const already = alreadyRequestedNote(result);
  return `:white_check_mark: *${senderIdLabel(result.record)}* was sent to Wavix.\n${countryLines(result.record)}${
    already ? `\n\n${escapeMrkdwn(already)}.` : ''
  }\n\nEach carrier decision will be announced in the alert channel.`;
}

export function senderIdRejectionRecordedMessage(
  record: Pick<SenderIdRecord, 'value' | 'type'>,
  country: string,
  reason: string,
): SlackMessage {
  // A number as everywhere else ("+44 7400 123456"), not Wavix's bare digits.
  const value = record.type === 'numeric' ? formatPhoneForPeople(`+${record.value.replace(/^\+/, '')}`) : record.value;
  // Escaped once for both: the fallback text is mrkdwn too (notifications, clients without blocks).
  const text = escapeMrkdwn(
    `Recorded: ${value} refused in ${country} (${reason}). The next approval check announces it in the alert channel.`,
  );
  return { text, blocks: [section(`:memo: ${text}`)] };
}
