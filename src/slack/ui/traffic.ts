import type { Alert } from '../../core/model/alert.js';
import { formatPhoneForPeople } from '../../core/phone.js';
import type { trafficReport } from '../../core/traffic.js';
import { durationInMinutes, plural } from '../../core/wording.js';
import { alertText } from './alerts.js';
import { andMore, type Block, clip, context, escapeInline, escapeMrkdwn, type SlackMessage, section, slackTime } from './text.js';

/** Open alerts the daily digest lists; the rest are counted, with the command that lists them all. */
export const DIGEST_ALERTS_SHOWN = 10;

export type TrafficReportView = Awaited<ReturnType<typeof trafficReport>>;

const PERIOD_WORDS = { '1h': 'last hour', '24h': 'last 24 hours', '7d': 'last 7 days' } as const;
const who = (r: TrafficReportView) => (r.number ? formatPhoneForPeople(`+${r.number.replace(/^\+/, '')}`) : 'all numbers');
const rate = (r: TrafficReportView) => (r.deliveryRate === null ? 'n/a' : `${(r.deliveryRate * 100).toFixed(1)} %`);

/**
 * A digest after one that was not posted covers every hour since the last posted one (core/traffic.ts): over a day and
 * an hour, more than a "24h" report ever reads (a day's hours from the start of a UTC hour, 25 across a clock change).
 */
const SINCE_LAST_DIGEST_MS = 26 * 3_600_000;
const coversMissedDigest = (r: TrafficReportView) => r.period === '24h' && r.toMs - r.fromMs > SINCE_LAST_DIGEST_MS;

export const trafficChartTitle = (r: TrafficReportView) =>
  `SMS per hour, ${coversMissedDigest(r) ? 'since the last digest' : (PERIOD_WORDS[r.period as keyof typeof PERIOD_WORDS] ?? r.period)}, ${who(r)}`;

function figures(r: TrafficReportView): Block[] {
  const t = r.totals;
  const blocks: Block[] = [
    section(
      [
        `*Outbound* ${t.sent} sent · ${t.delivered} delivered · ${t.failed} failed · delivery rate *${rate(r)}*`,
        `*Inbound* ${t.inbound} received · ${t.relayed} relayed to PortSIP`,
      ].join('\n'),
    ),
  ];
  if (r.topFailures.length > 0) {
    // The store keeps the top reasons only: the failures of every other reason are counted from the total.
    const listed = r.topFailures.reduce((sum, f) => sum + f.count, 0);
    const command = `/sms traffic ${r.period}${r.number ? '' : ' <number>'}`;
    const more = andMore(
      t.failed - listed,
      { one: 'failure', many: 'failures' },
      r.number ? 'with other reasons.' : `with other reasons; \`${command}\` shows the top reasons of one number.`,
    );
    blocks.push(
      section(
        `*Top failure reasons*\n${r.topFailures.map((f) => `• ${escapeInline(clip(f.reason, 150))}: ${f.count}`).join('\n')}${more ? `\n${more}` : ''}`,
      ),
    );
  }
  return blocks;
}

/** `/sms traffic`: totals, delivery rate and the top failure reasons for the period (the chart is a separate file). */
/**
 * Why the chart is not in the channel, by Slack's code for the refused upload: inviting the bot helps only where it is
 * not in the channel. An admin who removed files:write was told to invite a bot already there.
 */
export function chartNotSharedNote(slackCode: string | undefined): string {
  const why =
    slackCode === 'missing_scope'
      ? 'the Slack app lacks the files:write scope: add it (manifest.yml) and reinstall the app'
      : slackCode === 'is_archived'
        ? 'the channel is archived'
        : slackCode === 'not_in_channel' || slackCode === 'channel_not_found' || slackCode === undefined
          ? 'invite the bot to the channel to see it'
          : `Slack answered ${/^\w+$/.test(slackCode) ? slackCode : 'an error'}`;
  return `The chart could not be shared in this conversation (${why}).`;
}

/**
 * Why no chart was posted: the conversation's channel_id comes from the person's own client (Slack signs whatever it
 * sends), so a chart goes only where smsops knows they are a member; a forged id named a private channel they are not in.
 */
export function chartNotForNonMemberNote(
  why: 'not-member' | 'direct-message' | { tooLarge: number } | { checkFailed: string },
): string {
  const noChart = 'No chart this time: a chart is posted for everyone in the conversation';
  // Reading who is in a channel that large would spend the Slack calls the checks before SMS replies need.
  if (typeof why === 'object' && 'tooLarge' in why)
    return `${noChart}, and smsops checks that you are a member only in channels of up to ${why.tooLarge.toLocaleString('en-US')} members; ask in a smaller channel you are in.`;
  if (why === 'direct-message')
    return `${noChart}, and in a direct message smsops cannot check whose it is; ask in a channel you are in.`;
  if (why === 'not-member') return `${noChart}, and Slack says you are not a member of this one.`;
  return `${noChart}, and smsops could not check that you are a member of this one (${escapeMrkdwn(why.checkFailed)}). Try again in a minute.`;
}

export function trafficReportMessage(r: TrafficReportView, chartNote?: string): SlackMessage {
  const title = `*Traffic, ${PERIOD_WORDS[r.period as keyof typeof PERIOD_WORDS] ?? r.period}, ${escapeMrkdwn(who(r))}*`;
  const blocks: Block[] = [section(title), ...figures(r)];
  blocks.push(context(`${slackTime(r.fromMs)} to ${slackTime(r.toMs)}. ${chartNote ?? ''}`.trim()));
  return {
    text: `Traffic ${r.period}: ${r.totals.sent} sent, ${r.totals.failed} failed, ${r.totals.inbound} inbound, delivery rate ${rate(r)}`,
    blocks,
  };
}

/**
 * Alerts that ended within the digest's hours, one line per rule and subject however often it fired: a PBX that
 * flapped all night, every episode resolved by 08:00, read "No open alerts" and nothing else.
 */
function endedText(ended: readonly Alert[]): string | null {
  if (ended.length === 0) return null;
  const bySubject = new Map<string, Alert[]>();
  for (const a of ended) {
    const key = `${a.rule}\u0000${a.subjectKey}`;
    bySubject.set(key, [...(bySubject.get(key) ?? []), a]);
  }
  // The most recent first: what the reader may still see traces of.
  const groups = [...bySubject.values()].sort((a, b) => (b.at(-1)?.resolvedAt ?? 0) - (a.at(-1)?.resolvedAt ?? 0));
  const lines = groups.slice(0, DIGEST_ALERTS_SHOWN).map((episodes) => {
    const latest = episodes.at(-1) as Alert;
    const lasted = episodes.reduce((sum, a) => sum + ((a.resolvedAt ?? a.openedAt) - a.openedAt), 0);
    const how =
      episodes.length === 1
        ? `lasted ${durationInMinutes(lasted)}`
        : `fired ${episodes.length} times, ${durationInMinutes(lasted)} in all`;
    return `• ${escapeMrkdwn(clip(alertText(latest), 160))} (${how})`;
  });
  const more = andMore(
    groups.length - DIGEST_ALERTS_SHOWN,
    { one: 'alert that ended', many: 'alerts that ended' },
    'each has its message in this channel',
  );
  return [`:information_source: ${plural(ended.length, 'alert')} ended in these hours:`, ...lines, more]
    .filter(Boolean)
    .join('\n');
}

/** The daily digest in the alert channel: yesterday's figures, what is still open and what fired and ended. */
export function dailyDigestMessage(r: TrafficReportView, open: readonly Alert[], ended: readonly Alert[] = []): SlackMessage {
  const alertsText =
    open.length === 0
      ? ':white_check_mark: No open alerts.'
      : `:warning: ${open.length} open alert${open.length === 1 ? '' : 's'}:\n${[
          ...open.slice(0, DIGEST_ALERTS_SHOWN).map((a) => `• ${escapeMrkdwn(clip(alertText(a), 200))}`),
          andMore(open.length - DIGEST_ALERTS_SHOWN, { one: 'open alert' }, '`/sms alerts` lists them.'),
        ]
          .filter(Boolean)
          .join('\n')}`;
  return {
    text: `Daily SMS digest: ${r.totals.sent} sent, ${r.totals.failed} failed, ${r.totals.inbound} inbound, delivery rate ${rate(r)}`,
    blocks: [
      section(
        `:bar_chart: *Daily SMS digest*, ${slackTime(r.fromMs)} to ${slackTime(r.toMs)}${
          coversMissedDigest(r) ? ': every hour since the last digest posted, over a day ago (none was posted in between)' : ''
        }`,
      ),
      ...figures(r),
      section(alertsText),
      ...[endedText(ended)].flatMap((text) => (text ? [section(text)] : [])),
    ],
  };
}
