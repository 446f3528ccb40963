import { ALERT_THRESHOLDS, type ThresholdSetting } from '../../core/alertRules.js';
import {
  type Alert,
  type AlertFactsByRule,
  type AlertRuleName,
  alertFacts,
  type NumberDriftProblem,
} from '../../core/model/alert.js';
import { formatPhoneForPeople } from '../../core/phone.js';
import { maskUrl } from '../../core/urls.js';
import { senderIdRejectedAlertSummary, tenDlcAlertSummary, wavixUnreachableAlertSummary } from './approvals.js';
import {
  type Block,
  context,
  duration,
  durationInMinutes,
  escapeMrkdwn,
  mention,
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
  kind === 'portsip' ? `PortSIP ${maskUrl(destination)}` : `Slack channel ${destination}`;

const driftProblem = (p: NumberDriftProblem) => {
  switch (p.code) {
    case 'own_webhook_elsewhere':
      return `its own webhook now points at ${maskUrl(p.webhook)}`;
    case 'follows_foreign_default':
      return 'it now follows an account default that is not smsops';
    case 'no_webhook':
      return 'it has no inbound webhook any more';
    case 'inbound_deactivated':
      return 'inbound SMS was deactivated';
  }
};

/** Each rule's facts in words: raw text, escaped by the views that show it. */
const RULE_TEXT: { [R in AlertRuleName]: (facts: AlertFactsByRule[R]) => string } = {
  failure_rate: (f) =>
    `${pct(f.failed / f.finished)} of SMS from ${people(f.number)} failed in the last hour (${f.failed} of ${f.finished})${
      f.topFailure ? `, mostly "${f.topFailure}"` : ''
    }. Threshold ${f.thresholdPct} %.`,
  relay_backlog: (f) =>
    `${f.pending} inbound SMS waiting for ${destinationLabel(f.destinationKind, f.destination)}, the oldest for ${duration(f.oldestAgeMs)}. \`/sms relay status\` shows why.`,
  relay_dead: (f) => {
    const why =
      f.cause === 'repeated'
        ? `set aside after failing the same way again and again (last answer: ${f.lastAnswer}); later messages of the conversation go on`
        : `undelivered for ${f.deadAfterHours} h (last answer: ${f.lastAnswer})`;
    return `Inbound SMS to ${destinationLabel(f.destinationKind, f.destination)} are dead letters: ${why}. They are kept: if the route is wrong, \`/sms route set\` moves them to the right one; once the destination works, \`/sms relay replay dead\` sends them again.`;
  },
  relay_stalled: (f) =>
    `The inbound relay is stalled: ${f.problems.join('; ')}. Acknowledged SMS are kept and go out once it recovers; /healthz answers 503 meanwhile.`,
  inbound_stopped: (f) =>
    `No inbound SMS on ${people(f.number)} for ${durationInMinutes(f.silentForMs)}; it usually gets ${Math.round(f.usualDaily)} a day. Check its webhook (\`/sms number list\`) and Wavix.`,
  config_drift: (f) =>
    f.scope === 'account'
      ? 'The account default inbound SMS webhook no longer points at smsops: numbers without their own webhook do not reach PortSIP. `/sms webhook set default` puts it back.'
      : `${f.display}: ${f.problems.map(driftProblem).join(' and ')}, so its inbound SMS no longer reach smsops. \`/sms number list\` shows it; \`/sms webhook set number ${f.e164}\` or \`/sms number enable-inbound ${f.e164}\` fixes it.`,
  balance_low: (f) =>
    `The Wavix balance is ${f.balanceUsd.toFixed(2)} USD, below ${f.thresholdUsd} USD: SMS stop when it runs out.`,
  sender_id_rejected: (f) => senderIdRejectedAlertSummary({ value: f.senderId, type: f.senderIdType }, f.country, f.reason),
  wavix_unreachable: (f) => wavixUnreachableAlertSummary(f.runs, f.lastError),
  backup_failed: (f) => `The database backup failed: ${f.reason}`,
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

/**
 * The one Slack message of an alert: posted when it fires, edited in place while it lasts (so the channel shows the
 * current figure, not a stream of repeats), and edited once more to say it is resolved.
 */
export function alertMessage(alert: Alert, now: number): SlackMessage {
  const summary = escapeMrkdwn(alertText(alert));
  if (alert.status === 'resolved') {
    const lasted = (alert.resolvedAt ?? now) - alert.openedAt;
    return {
      text: `Resolved: ${summary}`,
      blocks: [
        section(`:white_check_mark: *Resolved* ~${summary}~`),
        context(
          `Opened ${slackTime(alert.openedAt)}, resolved ${slackTime(alert.resolvedAt ?? now)} after ${durationInMinutes(lasted)}.`,
        ),
      ],
    };
  }
  const blocks: Block[] = [section(`${SEVERITY_ICON[alert.severity]} ${summary}`)];
  const since =
    alert.updatedAt > alert.openedAt
      ? `Since ${slackTime(alert.openedAt)} · last checked ${slackTime(alert.updatedAt)}`
      : `Since ${slackTime(alert.openedAt)}`;
  blocks.push(context(`${since} · \`${alert.rule}\` · \`/sms alerts\` lists open alerts and thresholds`));
  // The fallback text is mrkdwn too (notifications, clients without blocks): escaped like the blocks.
  return { text: summary, blocks };
}

export const alertResolvedReply = (alert: Alert, now: number): string =>
  `:white_check_mark: Resolved after ${durationInMinutes((alert.resolvedAt ?? now) - alert.openedAt)}.`;

const thresholdText = (t: ThresholdSetting) => {
  const rule = ALERT_THRESHOLDS[t.name];
  const value = t.value === null ? '*off*' : `*${t.value}* ${rule.unit}`;
  return `• \`${t.name}\` ${value}${t.isDefault ? ' (default)' : ''}: ${rule.help}`;
};

/** `/sms alerts`: what is open now, then every threshold with how to change it. */
export function alertsOverviewMessage(
  open: readonly Alert[],
  thresholds: readonly ThresholdSetting[],
  now: number,
): SlackMessage {
  const openText =
    open.length === 0
      ? ':white_check_mark: No open alerts.'
      : open
          .slice(0, 30)
          .map(
            (a) => `${SEVERITY_ICON[a.severity]} ${escapeMrkdwn(alertText(a))} _(since ${durationInMinutes(now - a.openedAt)})_`,
          )
          .join('\n');
  return {
    text: open.length === 0 ? 'No open alerts.' : `${open.length} open alert${open.length === 1 ? '' : 's'}`,
    blocks: [
      section(`*Open alerts*\n${openText}`),
      section(`*Thresholds*\n${thresholds.map(thresholdText).join('\n')}`),
      context('Change one with `/sms alerts set <rule> <value>` (a number, or `off`). Admins only.'),
    ],
  };
}

export function thresholdChangedMessage(name: string, value: number | null, userId: string): SlackMessage {
  const rule = ALERT_THRESHOLDS[name as keyof typeof ALERT_THRESHOLDS];
  const shown = value === null ? 'off' : `${value} ${rule?.unit ?? ''}`.trim();
  return {
    text: escapeMrkdwn(`${name} set to ${shown}`),
    blocks: [
      section(
        `:gear: \`${escapeMrkdwn(name)}\` is now *${escapeMrkdwn(shown)}* (set by ${mention(userId)}). The next watch run uses it.`,
      ),
    ],
  };
}
