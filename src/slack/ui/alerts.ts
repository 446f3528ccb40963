import { ALERT_THRESHOLDS, type ThresholdSetting } from '../../core/alertRules.js';
import type { Alert } from '../../store/repositories/alerts.js';
import { type Block, context, escapeMrkdwn, formatTime, mention, type SlackMessage, section } from './text.js';

const SEVERITY_ICON: Record<Alert['severity'], string> = {
  info: ':information_source:',
  warning: ':warning:',
  critical: ':rotating_light:',
};

const duration = (ms: number) =>
  ms < 3_600_000 ? `${Math.max(1, Math.round(ms / 60_000))} min` : `${(ms / 3_600_000).toFixed(1)} h`;

/**
 * The one Slack message of an alert: posted when it fires, edited in place while it lasts (so the channel shows the
 * current figure, not a stream of repeats), and edited once more to say it is resolved.
 */
export function alertMessage(alert: Alert, now: number): SlackMessage {
  const summary = escapeMrkdwn(alert.summary);
  if (alert.status === 'resolved') {
    const lasted = (alert.resolvedAt ?? now) - alert.openedAt;
    return {
      text: `Resolved: ${summary}`,
      blocks: [
        section(`:white_check_mark: *Resolved* ~${summary}~`),
        context(
          `Opened ${formatTime(alert.openedAt)}, resolved ${formatTime(alert.resolvedAt ?? now)} after ${duration(lasted)}.`,
        ),
      ],
    };
  }
  const blocks: Block[] = [section(`${SEVERITY_ICON[alert.severity]} ${summary}`)];
  const since =
    alert.updatedAt > alert.openedAt
      ? `Since ${formatTime(alert.openedAt)} · last checked ${formatTime(alert.updatedAt)}`
      : `Since ${formatTime(alert.openedAt)}`;
  blocks.push(context(`${since} · \`${alert.rule}\` · \`/sms alerts\` lists open alerts and thresholds`));
  // The fallback text is mrkdwn too (notifications, clients without blocks): escaped like the blocks.
  return { text: summary, blocks };
}

export const alertResolvedReply = (alert: Alert, now: number): string =>
  `:white_check_mark: Resolved after ${duration((alert.resolvedAt ?? now) - alert.openedAt)}.`;

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
          .map((a) => `${SEVERITY_ICON[a.severity]} ${escapeMrkdwn(a.summary)} _(since ${duration(now - a.openedAt)})_`)
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
