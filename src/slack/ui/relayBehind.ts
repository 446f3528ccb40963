import type { RelayStatus } from '../../relay/operations.js';
import { clockAge } from './text.js';

/**
 * Which leg the waiting SMS wait on, for the one-line summaries (App Home, `/sms relay status`'s headline). Under a
 * storm the Slack leg, paced under Slack's rate limit, is minutes behind while PortSIP has every SMS: "1738 waiting"
 * alone read as SMS not reaching the PBX. `now`: the time the status was read at.
 */
export function backlogByLeg(status: RelayStatus, now: number): string {
  const leg = (kind: 'portsip' | 'slack') => {
    const of = status.destinations.filter((d) => d.destinationKind === kind);
    const pending = of.reduce((sum, d) => sum + d.pending, 0);
    const oldest = of
      .map((d) => d.oldestPendingCreatedAt)
      .filter((at): at is number => at !== null)
      .reduce<number | null>((min, at) => (min === null || at < min ? at : min), null);
    return { pending, behind: oldest === null ? '' : ` (oldest ${clockAge(now - oldest)})` };
  };
  const portsip = leg('portsip');
  const slack = leg('slack');
  if (portsip.pending === 0 && slack.pending > 0)
    return `PortSIP has every SMS; only their Slack posts are behind: ${slack.pending} to post${slack.behind}, posted as Slack's rate limit allows (grouped).`;
  const parts = [
    portsip.pending > 0 ? `PortSIP ${portsip.pending}${portsip.behind}` : 'PortSIP none',
    slack.pending > 0 ? `Slack ${slack.pending}${slack.behind}` : 'Slack none',
  ];
  return `Waiting for ${parts.join(', ')}.`;
}
