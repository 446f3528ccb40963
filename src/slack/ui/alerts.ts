import { ALERT_THRESHOLDS, type ThresholdSetting } from '../../core/alertRules.js';
import {
  type Alert,
  type AlertFactsByRule,
  type AlertMute,
  type AlertRuleName,
  alertFacts,
  type NumberDriftProblem,
} from '../../core/model/alert.js';
import { SLACK_QUEUE_DESTINATION } from '../../core/model/delivery.js';
import { failureReasonShown } from '../../core/model/traffic.js';
import { formatPhoneForPeople } from '../../core/phone.js';
import {
  DATABASE_FILE_CUT,
  DATABASE_FILE_PROBLEM,
  DATABASE_NOT_ON_DISK,
  DATABASE_WAL_PROBLEM,
} from '../../core/ports/storeErrors.js';
import { maskUrl } from '../../core/urls.js';
import { ALERT_ACTION } from '../ids.js';
import { senderIdRejectedAlertSummary, tenDlcAlertSummary, wavixUnreachableAlertSummary } from './approvals.js';
import { blockTextLength } from './inboundSms.js';
import { linesIntoTexts, pageFooter, pageOf, paginate } from './pages.js';
import {
  type Block,
  button,
  code,
  context,
  duration,
  durationInMinutes,
  escapeMrkdwn,
  inlineText,
  mention,
  SLACK_QUEUE_WORDS,
  type SlackMessage,
  section,
  slackTime,
} from './text.js';

const SEVERITY_ICON: Record<Alert['severity'], string> = {
  info: ':information_source:',
  warning: ':warning:',
  critical: ':rotating_light:',
};

const people = (digits: string) => formatPhoneForPeople(`+${digits.replace(/^\+/, '')}`);
const pct = (x: number) => `${Math.round(x * 100)} %`;
const destinationLabel = (kind: 'portsip' | 'slack', destination: string) =>
  kind === 'portsip'
    ? `PortSIP ${maskUrl(destination)}`
    : destination === SLACK_QUEUE_DESTINATION
      ? SLACK_QUEUE_WORDS
      : `Slack channel ${destination}`;

const PREVIOUS_SMSOPS = 'smsops’ URL with its previous webhook secret';

const driftProblem = (p: NumberDriftProblem) => {
  switch (p.code) {
    case 'own_webhook_elsewhere':
      return `its own webhook now points at ${maskUrl(p.webhook)}`;
    case 'own_webhook_previous_secret':
      return `its own webhook is ${PREVIOUS_SMSOPS}`;
    case 'follows_foreign_default':
      return 'it now follows an account default that is not smsops';
    case 'no_webhook':
      return 'it has no inbound webhook any more';
    case 'inbound_deactivated':
      return 'inbound SMS was deactivated';
    case 'not_on_account':
      return 'it is no longer on the Wavix account';
  }
};

/**
 * The commands that undo this drift, in the order they must run: Wavix keeps a webhook only on an SMS-enabled number,
 * so inbound is enabled first. Inbound deactivated is only found on US and Canadian numbers (src/core/watchRules.ts),
 * the only ones `enable-inbound` activates; any other number is never told to run it.
 */
function driftFix(e164: string, problems: readonly NumberDriftProblem[]): string {
  const commands = [
    ...(problems.some((p) => p.code === 'inbound_deactivated') ? [`\`/sms number enable-inbound ${e164}\``] : []),
    ...(problems.some((p) => p.code !== 'inbound_deactivated') ? [`\`/sms webhook set ${e164}\``] : []),
  ];
  return `${commands.join(' then ')} puts it back`;
}

/** A dead-letter alert's words, without what retention deleted. */
function relayDeadText(f: AlertFactsByRule['relay_dead']): string {
  if (f.stillDead !== undefined) {
    const [are, them] = f.stillDead === 1 ? ['is', 'it'] : ['are', 'them'];
    const where = destinationLabel(f.destinationKind, f.destination);
    // Set aside for their content: sending them again as they are fails the same way.
    if (f.cause === 'repeated')
      return `${where} takes other SMS, but ${f.stillDead} inbound SMS to it ${are} still dead: refused again and again (last answer: ${f.lastAnswer}). \`/sms relay status\` lists ${them}; \`/sms relay replay <id>\` sends one again.`;
    // The state an alert is left in when nobody replays: the deadline is said here too.
    return `${where} answers again, but ${f.stillDead} inbound SMS to it ${are} still dead (last failure: ${f.lastAnswer}) and nothing sends ${them} by itself: \`/sms relay replay dead\` sends ${them} again, before retention deletes ${them} unsent (\`RETENTION_DAYS\` after arrival).`;
  }
  const why =
    f.cause === 'repeated'
      ? `set aside after failing the same way again and again (last answer: ${f.lastAnswer}); later messages of the conversation go on`
      : `undelivered for ${f.deadAfterHours} h (last answer: ${f.lastAnswer})`;
  const start = `Inbound SMS to ${destinationLabel(f.destinationKind, f.destination)} are dead letters: ${why}.`;
  if (f.deletedUnsent || f.forgottenUnsent) return start;
  // Told before retention takes them, not only after: a dead letter is kept with its message, RETENTION_DAYS.
  return `${start} They are kept for \`RETENTION_DAYS\` after they arrived, then deleted unsent: if the route is wrong, \`/sms route set\` moves them to the right one; once the destination works, \`/sms relay replay dead\` sends them again.`;
}

/** Each rule's facts in words: raw text, escaped by the views that show it. */
const RULE_TEXT: { [R in AlertRuleName]: (facts: AlertFactsByRule[R]) => string } = {
  // The carrier's reason is Wavix's text: kept on one line with its formatting inert, or its line breaks and `*` made
  // lines of smsops' own inside the alert (a forged ":white_check_mark: *Resolved*").
  failure_rate: (f) =>
    `${pct(f.failed / f.finished)} of SMS from ${people(f.number)} failed in the last hour (${f.failed} of ${f.finished})${
      // Worded again as the shared surfaces show reasons: an alert stored by an earlier version may hold more (a link).
      f.topFailure ? `, mostly "${inlineText(failureReasonShown(f.topFailure))}"` : ''
    }. Threshold ${f.thresholdPct} %.`,
  relay_backlog: (f) =>
    f.cleared
      ? `No inbound SMS waiting for ${destinationLabel(f.destinationKind, f.destination)} now (${f.pending} did, the oldest for ${duration(f.oldestAgeMs)}): kept open 10 minutes from clearing in case it fills again, then resolved.`
      : `${f.pending} inbound SMS waiting for ${destinationLabel(f.destinationKind, f.destination)}, the oldest for ${duration(f.oldestAgeMs)}. \`/sms relay status\` shows each destination's last error in words; "Show failing deliveries" lists them here.`,
  relay_dead: (f) => {
    // Past RETENTION_DAYS a dead letter goes with its message: said, so that neither the open alert nor its end reads
    // as if they had been sent.
    const lost = f.deletedUnsent
      ? ` ${f.deletedUnsent} ${f.stillDead !== undefined ? (f.deletedUnsent === 1 ? 'other' : 'others') : 'of them'} ${f.deletedUnsent === 1 ? 'was' : 'were'} deleted by retention unsent (older than \`RETENTION_DAYS\`, never replayed): nothing can send ${f.deletedUnsent === 1 ? 'it' : 'them'} now; their senders do not know.`
      : '';
    // Removed with a customer's records at an admin's word: not sent either, and not retention's doing.
    const forgotten = f.forgottenUnsent
      ? ` ${f.forgottenUnsent} ${f.stillDead !== undefined || f.deletedUnsent ? (f.forgottenUnsent === 1 ? 'other' : 'others') : 'of them'} ${f.forgottenUnsent === 1 ? 'was' : 'were'} removed unsent by \`/sms forget\` (a customer's records erased): nothing can send ${f.forgottenUnsent === 1 ? 'it' : 'them'} now.`
      : '';
    return relayDeadText(f) + lost + forgotten;
  },
  relay_stalled: (f) =>
    `The inbound relay is stalled: ${f.problems.join('; ')}. ${
      // The -wal gone: a clean stop copies it in, a crash loses it. The file gone: what was acknowledged is only in the
      // file smsops holds open, lost if it stops. Cut short: not even there, only in its cache and WAL.
      f.problems.some((p) => p.includes(DATABASE_WAL_PROBLEM))
        ? 'What smsops acknowledged since its last checkpoint is only in the WAL it still holds open: stop it cleanly (SIGTERM, not kill -9), which copies that WAL into the database file, and start it again.'
        : f.problems.some((p) => p.includes(DATABASE_FILE_CUT))
          ? 'The database file lost what it held: take a backup (`/sms jobs run backup`, kept only if sound), then stop smsops and restore the newest backup with --replace-damaged.'
          : f.problems.some((p) => p.includes(DATABASE_FILE_PROBLEM))
            ? 'Do not stop or restart smsops before the database file is back or saved: what it acknowledged is only in the file it still holds open.'
            : // A disk failing its syncs or reads: what was acknowledged may be gone, whatever smsops does next.
              f.problems.some((p) => p.includes(DATABASE_NOT_ON_DISK))
              ? 'Check the disk now; with BACKUP_DIR on another disk, take a backup (`/sms jobs run backup`, kept only if sound).'
              : 'Acknowledged SMS are kept and go out once it recovers.'
    } /healthz answers 503 meanwhile.`,
  inbound_stopped: (f) =>
    `No inbound SMS on ${people(f.number)} for ${durationInMinutes(f.silentForMs)}; it usually gets ${Math.round(f.usualDaily)} a day. Check its webhook (\`/sms number list\`) and Wavix.`,
  config_drift: (f) =>
    f.scope === 'numbers_gone'
      ? `${f.count === 1 ? '1 number smsops routes is' : `${f.count} numbers smsops routes are`} no longer on the Wavix account (${f.examples.map((e) => formatPhoneForPeople(e)).join(', ')}${f.count > f.examples.length ? ` and ${f.count - f.examples.length} more` : ''}): released, ported away or moved to another sub-account in the portal, or \`WAVIX_API_KEY\` is now another account's or sub-account's key. No SMS for them can come. \`/sms doctor\` lists them; \`/sms route remove +1…\` for each released on purpose.`
      : f.scope === 'account' && f.previousSecret
        ? `The account default inbound SMS webhook is ${PREVIOUS_SMSOPS}: SMS still arrive while WEBHOOK_SECRET_PREVIOUS holds that secret, and are refused once it is dropped. \`/sms webhook set default\` moves it to the current one.`
        : f.scope === 'number' && f.problems.every((p) => p.code === 'own_webhook_previous_secret')
          ? `${f.display}: ${f.problems.map(driftProblem).join(' and ')}: its SMS still arrive while WEBHOOK_SECRET_PREVIOUS holds that secret, and are refused once it is dropped. \`/sms webhook set ${f.e164}\` moves it to the current one.`
          : f.scope === 'account'
            ? 'The account default inbound SMS webhook no longer points at smsops: numbers without their own webhook do not reach PortSIP. `/sms webhook set default` puts it back.'
            : f.problems.some((p) => p.code === 'not_on_account')
              ? // Nothing smsops can set brings a number back: the route is what it can act on, and ends this alert.
                `${f.display} is no longer on the Wavix account (released, ported away or moved to another sub-account in the portal), yet smsops still routes it: no SMS for it can come. Released on purpose: \`/sms route remove ${f.e164}\` ends this alert. Otherwise get it back in the Wavix portal; \`/sms webhook set ${f.e164}\` then points it at smsops again.`
              : `${f.display}: ${f.problems.map(driftProblem).join(' and ')}, so its inbound SMS no longer reach smsops. \`/sms number list\` shows it; ${driftFix(f.e164, f.problems)}.`,
  // At zero or below it has run out: "stop when it runs out" told a team whose replies were already refused.
  balance_low: (f) =>
    f.balanceUsd <= 0
      ? `The Wavix balance is ${f.balanceUsd.toFixed(2)} USD: it has run out, so Wavix may refuse to send SMS (thread replies fail) until the account is topped up in the Wavix portal.`
      : `The Wavix balance is ${f.balanceUsd.toFixed(2)} USD, below ${f.thresholdUsd} USD: SMS stop when it runs out. Top up the account in the Wavix portal.`,
  sender_id_rejected: (f) => senderIdRejectedAlertSummary({ value: f.senderId, type: f.senderIdType }, f.country, f.reason),
  wavix_unreachable: (f) => wavixUnreachableAlertSummary(f.runs, f.lastError, f.source),
  backup_failed: (f) => `The database backup failed: ${f.reason}`,
  // Its buttons are Slack requests too, refused like the rest until the clock is right.
  host_clock_off: (f) =>
    `This host's clock is ${Math.abs(f.aheadSeconds)} s ${f.aheadSeconds > 0 ? 'ahead of' : 'behind'} Slack's (Slack's answer at ${new Date(f.slackSaidAt).toISOString()}): smsops refuses every Slack command, button and thread reply as stale, so no reply from a thread goes out as SMS (inbound SMS are still relayed). Set the clock right (NTP/chrony); these buttons work again once it is. /healthz answers 503 meanwhile.`,
  ten_dlc: ({ brandLabel, campaignLabel, ...change }) => tenDlcAlertSummary({ change, brandLabel, campaignLabel }),
};

/**
 * What an alert says, raw (the views escape it): its facts in words, or for an alert recorded before facts were
 * kept (or of a rule this version does not know), the text it was recorded with.
 */
export function alertText(alert: { rule: string; facts: object | null; summary?: string }): string {
  const rule = alert.rule as AlertRuleName;
  const render = RULE_TEXT[rule] as ((facts: unknown) => string) | undefined;
  const facts = render ? alertFacts({ rule: alert.rule, facts: alert.facts as Alert['facts'] }, rule) : undefined;
  if (!render || !facts) return alert.summary ?? '';
  try {
    return render(facts);
  } catch {
    // Facts of another shape (a row written by a newer version): its rule and subject still say something.
    return alert.summary || `${alert.rule} alert`;
  }
}

/** Rules about one relay destination: their failing deliveries can be listed and retried. */
const DESTINATION_RULES: ReadonlySet<string> = new Set<AlertRuleName>(['relay_backlog', 'relay_dead']);
/** Rules whose cause `/sms doctor` checks (the chain, webhooks, backups, Wavix, Sender IDs). */
const DOCTOR_RULES: ReadonlySet<string> = new Set<AlertRuleName>([
  'relay_backlog',
  'relay_dead',
  'relay_stalled',
  'config_drift',
  'inbound_stopped',
  'backup_failed',
  'wavix_unreachable',
  'sender_id_rejected',
]);

/**
 * The buttons of an open alert, each carrying the alert's id and when it opened: a restore of an older backup hands the
 * id to another alert, and the opening time tells them apart (core/alertActions.ts). Full members (SLACK_ALERT_USERS too) may
 * acknowledge and snooze; retry and mute are for admins (checked when pressed). What else appears depends on what can
 * help with the rule.
 */
export function alertButtons(
  alert: Pick<Alert, 'id' | 'rule' | 'acknowledged' | 'openedAt'> & Partial<Pick<Alert, 'quiet'>>,
): Block {
  const value = `${alert.id}:${alert.openedAt}`;
  // The snooze this message shows, if any: a press made on it before someone else's snooze was shown is told, not
  // applied (core/alertActions.ts snoozeAlert).
  const snoozeValue = alert.quiet?.kind === 'snoozed' ? `${value}:${alert.quiet.until}` : value;
  const buttons = [
    ...(alert.acknowledged ? [] : [button({ text: 'Acknowledge', actionId: ALERT_ACTION.acknowledge, value, style: 'primary' })]),
    button({ text: 'Snooze 1h', actionId: ALERT_ACTION.snooze1h, value: snoozeValue }),
    button({ text: 'Snooze 24h', actionId: ALERT_ACTION.snooze24h, value: snoozeValue }),
    // A snooze pressed on the wrong alert is undone here, rather than only cut to an hour by "Snooze 1h".
    ...(alert.quiet?.kind === 'snoozed' ? [button({ text: 'End snooze', actionId: ALERT_ACTION.endSnooze, value })] : []),
    ...(DESTINATION_RULES.has(alert.rule)
      ? [
          button({ text: 'Show failing deliveries', actionId: ALERT_ACTION.showFailing, value }),
          button({ text: 'Retry now', actionId: ALERT_ACTION.retryNow, value }),
        ]
      : []),
    ...(DOCTOR_RULES.has(alert.rule) ? [button({ text: 'Open doctor', actionId: ALERT_ACTION.openDoctor, value })] : []),
    {
      ...button({ text: 'Mute rule', actionId: ALERT_ACTION.mute, value, style: 'danger' }),
      confirm: {
        title: { type: 'plain_text' as const, text: 'Mute this rule?' },
        text: {
          type: 'mrkdwn' as const,
          text: `Every \`${escapeMrkdwn(alert.rule)}\` alert is still checked and listed in \`/sms alerts\`, but none is posted or notifies here until an admin unmutes it there.`,
        },
        confirm: { type: 'plain_text' as const, text: 'Mute' },
        deny: { type: 'plain_text' as const, text: 'Cancel' },
      },
    },
  ];
  return { type: 'actions', block_id: `alert_actions_${alert.id}`, elements: buttons };
}

/** Who is on it, and why it is quiet: shown on the alert's message. */
function stateLine(alert: Alert): string | null {
  const parts: string[] = [];
  if (alert.acknowledged)
    parts.push(`:eyes: Acknowledged by ${mention(alert.acknowledged.by)} at ${slackTime(alert.acknowledged.at)}`);
  if (alert.quiet?.kind === 'snoozed')
    parts.push(
      `:zzz: Snoozed by ${mention(alert.quiet.by)} until ${slackTime(alert.quiet.until)}: posted again then if it still fires`,
    );
  if (alert.quiet?.kind === 'muted')
    parts.push(
      `:mute: Rule muted by ${mention(alert.quiet.by)} at ${slackTime(alert.quiet.at)}: nothing about it is posted until an admin unmutes it in \`/sms alerts\``,
    );
  return parts.length > 0 ? parts.join(' · ') : null;
}

/**
 * An alert's text for mrkdwn: escaped, then a Slack channel it names shown as the channel (`<#C…>`), not its raw id.
 * The id is smsops' own value (a route's or the inbox channel), and escaping left no `<` that the mention could join.
 */
const shownText = (alert: Alert) =>
  escapeMrkdwn(alertText(alert)).replace(/\bSlack channel ([CG][A-Z0-9]{6,})\b/g, 'Slack channel <#$1>');

/**
 * The one Slack message of an alert: posted when it fires, edited in place while it lasts (so the channel shows the
 * current figure, not a stream of repeats), and edited once more to say it is resolved. `reannounced`: posted again
 * because its snooze ended while it still fires.
 */
export function alertMessage(alert: Alert, now: number, options: { reannounced?: boolean } = {}): SlackMessage {
  if (alert.status === 'resolved') {
    // What was resolved is the dead letters, not the count left once the destination answered again (none now).
    const dead = alertFacts(alert, 'relay_dead');
    const summary = shownText(dead ? { ...alert, facts: { ...dead, stillDead: undefined } } : alert);
    const lasted = (alert.resolvedAt ?? now) - alert.openedAt;
    const acknowledged = alert.acknowledged
      ? ` Acknowledged by ${mention(alert.acknowledged.by)} at ${slackTime(alert.acknowledged.at)}.`
      : '';
    return {
      text: `Resolved: ${summary}`,
      blocks: [
        section(`:white_check_mark: *Resolved* ~${summary}~`),
        context(
          `Opened ${slackTime(alert.openedAt)}, resolved ${slackTime(alert.resolvedAt ?? now)} after ${durationInMinutes(lasted)}.${acknowledged}`,
        ),
      ],
    };
  }
  const summary = shownText(alert);
  const blocks: Block[] = [section(`${SEVERITY_ICON[alert.severity]} ${summary}`)];
  const since =
    alert.updatedAt > alert.openedAt
      ? `Since ${slackTime(alert.openedAt)} · last checked ${slackTime(alert.updatedAt)}`
      : `Since ${slackTime(alert.openedAt)}`;
  blocks.push(context(`${since} · \`${alert.rule}\` · \`/sms alerts\` lists open alerts and thresholds`));
  if (options.reannounced) blocks.push(context(':alarm_clock: Its snooze ended and it still fires, so here it is again.'));
  const state = stateLine(alert);
  if (state) blocks.push(context(state));
  blocks.push(alertButtons(alert));
  // The fallback text is mrkdwn too (notifications, clients without blocks): escaped like the blocks.
  return { text: summary, blocks };
}

/** An earlier message of an alert that was posted anew when its snooze ended: it points at the new one, no buttons. */
export function alertMovedOnMessage(alert: Alert): SlackMessage {
  const summary = shownText(alert);
  return {
    text: summary,
    blocks: [
      section(`${SEVERITY_ICON[alert.severity]} ${summary}`),
      context(':alarm_clock: Its snooze ended while it still fires: it goes on in a newer message below.'),
    ],
  };
}

/** Said in the alert's thread when it became more severe than it was when someone acknowledged it. */
export const alertWorsenedReply = (alert: Alert, from: { severity: Alert['severity']; acknowledgedBy: string }): string =>
  `${SEVERITY_ICON[alert.severity]} Worse since ${mention(from.acknowledgedBy)} acknowledged it: now *${alert.severity}* (was ${from.severity}). The acknowledgement no longer covers it.`;

export const alertResolvedReply = (alert: Alert, now: number): string =>
  `:white_check_mark: Resolved after ${durationInMinutes((alert.resolvedAt ?? now) - alert.openedAt)}.`;

const thresholdText = (t: ThresholdSetting) => {
  const rule = ALERT_THRESHOLDS[t.name];
  const value = t.value === null ? '*off*' : `*${t.value}* ${rule.unit}`;
  return `• \`${t.name}\` ${value}${t.isDefault ? ' (default)' : ''}: ${rule.help}`;
};

/** What people did about an open alert, in a few words each: "acknowledged by @ana", "snoozed until …", "rule muted". */
export const alertStateWords = (a: Pick<Alert, 'acknowledged' | 'quiet'>): string[] => [
  ...(a.acknowledged ? [`acknowledged by ${mention(a.acknowledged.by)}`] : []),
  ...(a.quiet?.kind === 'snoozed' ? [`snoozed until ${slackTime(a.quiet.until)}`] : []),
  ...(a.quiet?.kind === 'muted' ? ['rule muted'] : []),
];

const openLine = (a: Alert, now: number) => {
  const notes = [`since ${durationInMinutes(now - a.openedAt)}`, ...alertStateWords(a)];
  return `${SEVERITY_ICON[a.severity]} ${shownText(a)} _(${notes.join(', ')})_`;
};

/** How many open alerts a page of `/sms alerts` lists at most (each may be long); the footer names the next page. */
const OPEN_SHOWN = 30;

/**
 * `/sms alerts`: what is open now (oldest first, a page of them with the command for the next), the muted rules (each
 * with Unmute), then every threshold with how to change it.
 */
export function alertsOverviewMessage(
  open: readonly Alert[],
  thresholds: readonly ThresholdSetting[],
  now: number,
  mutes: readonly AlertMute[] = [],
  page = 1,
): SlackMessage {
  const tail: Block[] = [];
  if (mutes.length > 0) {
    tail.push(section('*Muted rules*: still checked and listed here, never posted in the alert channel until unmuted (admins).'));
    // One section per muted rule with its button; there are about a dozen rules, far below Slack's 50 blocks.
    for (const m of mutes)
      tail.push({
        type: 'section',
        text: {
          type: 'mrkdwn',
          text: `:mute: \`${escapeMrkdwn(m.rule)}\` muted by ${mention(m.by)} at ${slackTime(m.at)}`,
        },
        accessory: button({ text: 'Unmute', actionId: ALERT_ACTION.unmute, value: m.rule }),
      });
  }
  tail.push(
    section(`*Thresholds*\n${thresholds.map(thresholdText).join('\n')}`),
    context('Change one with `/sms alerts set <rule> <value>` (a number, or `off`). Admins only.'),
  );
  const lines = open.map((a) => openLine(a, now));
  const pages = paginate(lines, (line) => [section(line)], {
    reservedBlocks: tail.length + 2,
    reservedText: blockTextLength(tail) + 500,
    maxItems: OPEN_SHOWN,
  });
  const shown = pageOf(pages, page);
  const texts = open.length === 0 ? [':white_check_mark: No open alerts.'] : linesIntoTexts(shown.items);
  const blocks: Block[] = texts.map((text, i) => section(i === 0 ? `*Open alerts*\n${text}` : text));
  blocks.push(...pageFooter(shown, { one: 'open alert' }, (n) => code(`/sms alerts${n > 1 ? ` page ${n}` : ''}`)), ...tail);
  const where = shown.count > 1 ? ` (page ${shown.number} of ${shown.count})` : '';
  return {
    text: open.length === 0 ? 'No open alerts.' : `${open.length} open alert${open.length === 1 ? '' : 's'}${where}`,
    blocks,
  };
}

export function thresholdChangedMessage(
  name: string,
  value: number | null,
  userId: string,
  before?: number | null,
): SlackMessage {
  const rule = ALERT_THRESHOLDS[name as keyof typeof ALERT_THRESHOLDS];
  const shownOf = (v: number | null) => (v === null ? 'off' : `${v} ${rule?.unit ?? ''}`.trim());
  const shown = shownOf(value);
  // What it replaced, with the command that puts it back: a rule switched off by mistake stays silent otherwise.
  const back =
    before === undefined || before === value
      ? []
      : [
          context(
            `It was *${escapeMrkdwn(shownOf(before))}*. To put it back: ${code(`/sms alerts set ${name} ${before === null ? 'off' : before}`)}`,
          ),
        ];
  return {
    text: escapeMrkdwn(`${name} set to ${shown}`),
    blocks: [
      section(
        `:gear: \`${escapeMrkdwn(name)}\` is now *${escapeMrkdwn(shown)}* (set by ${mention(userId)}). The next watch run uses it.`,
      ),
      ...back,
    ],
  };
}
