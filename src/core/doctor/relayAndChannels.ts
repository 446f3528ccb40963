import { describeError } from '../../errors.js';
import { destinationAnswer } from '../destinationAnswer.js';
import { SLACK_QUEUE_DESTINATION } from '../model/delivery.js';
import { isRateLimited, rateLimitedWording } from './channelLookups.js';
import {
  ago,
  type CheckGroup,
  DAY,
  formatDateTime,
  RECENT_MESSAGES_SCANNED,
  routeLabel,
  shown,
  wavixUnreadable,
} from './context.js';
import { portsipDestinations } from './portsipRoutes.js';
import { backlogThresholdMinutes, backlogVerdict } from './relayBacklog.js';
import { isTokenRefused, tokenRefusedReason } from './slackTokenRefused.js';
import type { ChannelMembership, DoctorCheck } from './types.js';

// ── 7. Recent relay successes ────────────────────────────────────────────────────────────────────────────────────

interface DestinationActivity {
  kind: 'portsip' | 'slack';
  destination: string;
  label: string;
  arrivedLast24h: number;
  lastError: string | null;
}

export const relayGroup: CheckGroup = {
  id: 'relay',
  title: 'Relay deliveries',
  run: async ({ deps }) => {
    const now = deps.relay.now();
    const since = now - DAY;
    const activity = new Map<string, DestinationActivity>();
    const keyOf = (kind: string, destination: string) => `${kind}\u0000${destination}`;
    const note = (kind: 'portsip' | 'slack', destination: string, label: string) => {
      const key = keyOf(kind, destination);
      const existing = activity.get(key);
      if (existing) return existing;
      const entry = { kind, destination, label, arrivedLast24h: 0, lastError: null };
      activity.set(key, entry);
      return entry;
    };
    for (const [url, names] of portsipDestinations(deps.services.routes.list(), deps.services.defaultPortsipUrl)) {
      note('portsip', url, `PortSIP ${names.join(', ')}`);
    }
    for (const route of deps.services.routes.list()) {
      if (route.slackChannel) note('slack', route.slackChannel, `Slack channel of ${routeLabel(route.number)}`);
    }
    if (deps.channels.inbox) note('slack', deps.channels.inbox, 'Slack inbox channel');
    // Where the messages of the last 24 h were to go: the deliveries say exactly, whatever the routes are now.
    for (const message of deps.relay.inbound.recent(RECENT_MESSAGES_SCANNED)) {
      if (message.ingestedAt < since) break;
      for (const delivery of deps.relay.deliveries.forMessage(message.id)) {
        const entry = note(
          delivery.destinationKind,
          delivery.destination,
          delivery.destinationKind === 'portsip' ? 'PortSIP' : 'Slack channel',
        );
        entry.arrivedLast24h += 1;
        if (delivery.status !== 'delivered' && entry.lastError === null)
          entry.lastError = destinationAnswer(delivery, deps.showDestinationAnswers === true);
      }
    }
    const backlog = new Map(deps.relay.deliveries.backlog().map((b) => [keyOf(b.destinationKind, b.destination), b]));
    // A destination no route names any more may still be owed SMS (or hold dead ones): judged like the others.
    for (const b of backlog.values()) {
      if (b.pending === 0 && b.dead === 0) continue;
      if (b.destinationKind === 'slack' && b.destination === SLACK_QUEUE_DESTINATION) note('slack', b.destination, 'Slack');
      else note(b.destinationKind, b.destination, b.destinationKind === 'portsip' ? 'PortSIP' : 'Slack channel');
    }
    const thresholdMinutes = backlogThresholdMinutes(deps.alerts);
    if (activity.size === 0) {
      return [{ id: 'relay', title: 'Relay deliveries', status: 'skipped', reason: 'No destination to relay to is configured.' }];
    }
    // A channel is named as people know it (#sms-inbox); its id when Slack cannot say its name, or not soon enough:
    // a slow Slack must not cost the deliveries' findings (a PortSIP route failing), which need no Slack at all.
    const namesDue = namesDeadline(deps.timeoutMs);
    const channelShown = async (channel: string): Promise<string> => {
      try {
        const seen = await Promise.race([deps.channelMembership(channel), namesDue.promise]);
        return seen?.ok && seen.name ? `#${seen.name}` : channel;
      } catch {
        return channel;
      }
    };
    const checks = [...activity.values()].map(async (a, index): Promise<DoctorCheck> => {
      const shownDestination =
        a.kind === 'portsip'
          ? shown(a.destination)
          : a.destination === SLACK_QUEUE_DESTINATION
            ? '(SMS queued for their channel)'
            : await channelShown(a.destination);
      const base = {
        id: `relay:${a.kind}:${a.kind === 'slack' ? a.destination : index}`,
        title: `Relay to ${a.label} ${shownDestination}`,
      };
      const b = backlog.get(keyOf(a.kind, a.destination));
      const last = b?.lastDeliveredAt ?? null;
      const lastPart = last === null ? 'never delivered to' : `last delivery ${formatDateTime(last)}`;
      const dead = b && b.dead > 0 ? ` ${b.dead} dead (\`/sms relay replay dead\` once fixed).` : '';
      const arrived = a.arrivedLast24h >= RECENT_MESSAGES_SCANNED ? `${RECENT_MESSAGES_SCANNED}+` : String(a.arrivedLast24h);
      const owed = backlogVerdict(b, now, thresholdMinutes, formatDateTime);
      if (owed) {
        // The scan of recent messages may not reach them: the latest failure is read for this destination itself.
        const failing = a.lastError === null ? deps.relay.deliveries.failing(a.kind, a.destination, 1)[0] : undefined;
        const answer =
          a.lastError ??
          (failing ? destinationAnswer({ destinationKind: a.kind, ...failing }, deps.showDestinationAnswers === true) : null);
        return { ...base, ...owed, reason: `${owed.reason}${answer ? ` Last answer: ${answer}.` : ''}${dead}` };
      }
      if (last !== null && last >= since) {
        return {
          ...base,
          status: dead ? 'warning' : 'ok',
          reason: `Last delivery ${ago(now - last)} (${arrived} message${a.arrivedLast24h === 1 ? '' : 's'} in 24 h).${dead}`,
        };
      }
      if (a.arrivedLast24h > 0) {
        return {
          ...base,
          status: 'warning',
          reason: `${arrived} message${a.arrivedLast24h === 1 ? '' : 's'} arrived for it in the last 24 h and none was delivered (${lastPart}).${
            a.lastError ? ` Last answer: ${a.lastError}.` : ''
          }${dead}`,
        };
      }
      return { ...base, status: dead ? 'warning' : 'ok', reason: `No message for it in the last 24 h (${lastPart}).${dead}` };
    });
    try {
      return await Promise.all(checks);
    } finally {
      namesDue.cancel();
    }
  },
};

/** How long the relay checks wait for Slack to name their channels; a fraction of the group's own limit. */
const CHANNEL_NAMES_WAIT_MS = 1_500;

function namesDeadline(groupTimeoutMs = 5_000): { promise: Promise<undefined>; cancel: () => void } {
  let timer: NodeJS.Timeout | undefined;
  const promise = new Promise<undefined>((resolve) => {
    timer = setTimeout(resolve, Math.min(CHANNEL_NAMES_WAIT_MS, groupTimeoutMs / 3), undefined);
  });
  return { promise, cancel: () => clearTimeout(timer) };
}

// ── 8. The bot is in its channels ────────────────────────────────────────────────────────────────────────────────

export function channelCheck(channel: string, roles: string[], seen: ChannelMembership): DoctorCheck {
  const named = seen.ok && seen.name ? `#${seen.name}` : channel;
  const base = { id: `channel:${channel}`, title: `Slack channel ${named} (${roles.join(', ')})` };
  const invite = 'Invite the bot: type `/invite @smsops` in the channel.';
  if (seen.ok) {
    if (seen.archived)
      return {
        ...base,
        status: 'failure',
        reason: 'The channel is archived: nothing can be posted there. Unarchive it or configure another channel.',
      };
    // Slack sends the app no event of a direct message (manifest.yml subscribes to channels' and private channels'
    // messages only): an SMS posted there shows, but a reply typed in its thread never reaches smsops, and no one is
    // told it was not sent.
    if (seen.direct && roles.some((role) => role !== 'alert channel'))
      return {
        ...base,
        status: 'failure',
        reason:
          'This is a direct message (or a group DM), not a channel: relayed SMS are shown there, but replies typed in their threads never reach smsops (Slack sends the app no events of direct messages), so the customer never gets them. Use a channel ID (C…) instead.',
      };
    // Made a Slack Connect channel after it was routed to: every SMS posted there (its text, one-time codes, the
    // customer's number) is read by another organisation's people too, and nothing said so.
    if (seen.sharedExternally && seen.isMember && roles.some((role) => role !== 'alert channel'))
      return {
        ...base,
        status: 'warning',
        reason:
          'This channel is shared with another organisation (Slack Connect): the SMS relayed here, their text and the customers’ numbers, are read by its people too. Stop sharing it, or route these numbers to a channel of your own (`/sms route set`).',
      };
    if (seen.direct || seen.isMember) return { ...base, status: 'ok', reason: 'The bot is a member.' };
    return { ...base, status: 'failure', reason: `The bot is not a member, so it cannot post there. ${invite}` };
  }
  switch (seen.error) {
    case 'not_in_channel':
    case 'channel_not_found':
      return {
        ...base,
        status: 'failure',
        reason: `Slack answers ${seen.error}: the channel does not exist, or it is private and the bot was never invited. ${invite} Otherwise check the channel ID.`,
      };
    case 'missing_scope':
      return {
        ...base,
        status: 'warning',
        reason:
          'Could not check: the Slack app lacks the channels:read and groups:read scopes that membership needs. Add them to the app (manifest.yml) and reinstall it.',
      };
    default:
      if (isTokenRefused(seen)) return { ...base, status: 'failure', reason: tokenRefusedReason([seen.error], 1) };
      return { ...base, status: 'failure', reason: `Slack answers ${seen.error} for this channel.` };
  }
}

export const channelsGroup: CheckGroup = {
  id: 'channels',
  title: 'Slack channels',
  run: async ({ deps }) => {
    const roles = new Map<string, string[]>();
    const add = (channel: string, role: string) => roles.set(channel, [...(roles.get(channel) ?? []), role]);
    add(deps.channels.alert, 'alert channel');
    if (deps.channels.inbox) add(deps.channels.inbox, 'inbox channel');
    for (const route of deps.services.routes.list()) if (route.slackChannel) add(route.slackChannel, routeLabel(route.number));
    const answers = await Promise.all(
      [...roles].map(async ([channel, list]) => {
        let seen: ChannelMembership;
        try {
          seen = await deps.channelMembership(channel);
        } catch (error) {
          seen = { ok: false, error: describeError(error) };
        }
        return { channel, list, seen };
      }),
    );
    const refused = answers.flatMap((a) => (!a.seen.ok && isTokenRefused(a.seen) ? [a.seen.error] : []));
    const checks = answers
      .filter((a) => !isRateLimited(a.seen) && !isTokenRefused(a.seen))
      .map((a) => channelCheck(a.channel, a.list, a.seen));
    // A refused token is one problem, whatever the number of channels it kept from being checked.
    if (refused.length > 0)
      checks.push({
        id: 'channels:token-refused',
        title: 'Slack bot token',
        status: 'failure',
        reason: tokenRefusedReason(refused, refused.length),
      });
    const limited = answers.map((a) => a.seen).filter(isRateLimited);
    if (limited.length > 0) checks.push(rateLimitedChannels(limited));
    return checks;
  },
};

/** The channels Slack would not be asked about for now: one line with their count, not one failure each. */
function rateLimitedChannels(limited: Array<{ retryAfterSeconds?: number }>): DoctorCheck {
  const waits = limited.map((l) => l.retryAfterSeconds).filter((s): s is number => s !== undefined);
  const retryAfter = waits.length > 0 ? Math.max(...waits) : undefined;
  const count = `${limited.length} channel${limited.length === 1 ? ' was' : 's were'} not checked`;
  return {
    id: 'channels:rate-limited',
    title: 'Slack channels',
    status: 'warning',
    reason: `${rateLimitedWording(retryAfter)}: ${count}. Run \`/sms doctor\` again after that.`,
  };
}

// ── 9. PortSIP inbound rules (PortSIP API, optional) ─────────────────────────────────────────────────────────────

export const portsipRulesGroup: CheckGroup = {
  id: 'portsip-rules',
  title: 'PortSIP inbound rules',
  run: async ({ deps, numbers }) => {
    const base = { id: 'portsip-rules', title: 'PortSIP inbound rules' };
    if (!deps.portsip) {
      return [
        {
          ...base,
          status: 'skipped',
          reason:
            'Not checked: set PORTSIP_API_URL (and the PortSIP API credentials) to check that every number has an inbound rule in PortSIP.',
        },
      ];
    }
    const overview = await numbers();
    if (!overview.ok) return [wavixUnreadable(base, overview.error)];
    // Only numbers SMS can arrive on need a rule: inbound active, or meant to receive (a route of its own) where Wavix
    // can turn inbound on. A send-only number (outside the US and Canada) never hands PortSIP an SMS.
    const routed = new Set(deps.services.routes.list().map((route) => route.number));
    const dids = overview.value.numbers
      .filter((n) => n.inboundActive || (routed.has(n.e164) && (n.inboundPossible || n.smsEnabled)))
      .map((n) => n.e164);
    if (dids.length === 0) return [{ ...base, status: 'skipped', reason: 'No number that receives SMS to look up in PortSIP.' }];
    const rules = await deps.portsip.checkInboundRules(dids);
    if (!rules.ok)
      return [{ ...base, status: 'failure', reason: `Could not read PortSIP’s inbound rules: ${rules.error.userMessage}` }];
    const byDid = new Map(rules.value.map((r) => [r.did, r.rule]));
    return dids.map((did): DoctorCheck => {
      const rule = byDid.get(did) ?? null;
      const check = {
        id: `portsip-rule:${did}`,
        number: did,
        title: `PortSIP inbound rule for ${overview.value.numbers.find((n) => n.e164 === did)?.display ?? did}`,
      };
      return rule === null
        ? {
            ...check,
            status: 'failure',
            finding: 'portsip-rule-missing',
            reason:
              'No inbound rule in PortSIP for this number: PortSIP accepts the relayed SMS but has no extension or queue to deliver it to. Add an inbound rule for it in PortSIP.',
          }
        : { ...check, status: 'ok', finding: 'portsip-rule-ok', reason: `Inbound rule: ${rule}.` };
    });
  },
};
