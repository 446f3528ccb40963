import type { types } from '@slack/bolt';
import type { Alert } from '../../core/model/alert.js';
import type { SenderIdRecord } from '../../core/model/senderId.js';
import type { NumbersOverview } from '../../core/numbers.js';
import type { RoutesOverview } from '../../core/routes.js';
import type { RelayStatus } from '../../relay/operations.js';
import { ACTION } from '../ids.js';
import { alertStateWords, alertText } from './alerts.js';
import { inboundLine, NUMBERS_PER_PAGE, numbersCommand, webhookLine } from './numbers.js';
import { linesIntoTexts } from './pages.js';
import { backlogByLeg } from './relayBehind.js';
import { routeListMessage } from './routes.js';
import { senderIdLabel } from './senderIds.js';
import { andMore, type Block, button, clip, clockAge, context, escapeInline, escapeMrkdwn, section, slackTime } from './text.js';

/** How many of each list the Home tab shows: a glance, each with the command that lists the rest. */
export const HOME_SHOWN = { alerts: 15, senderIds: 30, numbers: 25 } as const;

/** The heading and lines of a list as sections (3,000 characters each), then what was left out and where to see it. */
function listBlocks(heading: string, lines: readonly string[], more: string): Block[] {
  return [...linesIntoTexts([heading, ...lines]).map((text) => section(text)), ...(more ? [context(more)] : [])];
}

export interface HomeState {
  senderIds: readonly SenderIdRecord[];
  routes: RoutesOverview;
  relay: RelayStatus;
  openAlerts: readonly Alert[];
  /** Read from Wavix after a first publish: 'loading' until then, or why it could not be read. */
  numbers: NumbersOverview | 'loading' | { unavailable: string };
  now: number;
}

function senderIdSummary(record: SenderIdRecord): string {
  const by = (status: string) => record.countries.filter((c) => c.status === status).map((c) => c.country);
  const parts = [
    by('approved').length > 0 ? `approved ${by('approved').join(', ')}` : '',
    by('pending').length > 0 ? `pending ${by('pending').join(', ')}` : '',
    by('rejected').length > 0 ? `rejected ${by('rejected').join(', ')}` : '',
  ].filter(Boolean);
  return `• *${senderIdLabel(record)}* (${escapeInline(record.type)}): ${escapeInline(parts.join(' · ')) || 'no countries'}`;
}

function alertsSection(open: readonly Alert[]): Block[] {
  if (open.length === 0) return [section('*Alerts*\n:white_check_mark: None open.')];
  const lines = open.slice(0, HOME_SHOWN.alerts).map((a) => {
    const state = alertStateWords(a);
    return `• ${a.severity === 'critical' ? ':rotating_light:' : ':warning:'} ${escapeMrkdwn(clip(alertText(a), 250))}${
      state.length > 0 ? ` _(${state.join(', ')})_` : ''
    }`;
  });
  return listBlocks(
    `*Alerts* (${open.length} open)`,
    lines,
    andMore(open.length - lines.length, { one: 'open alert' }, '`/sms alerts` lists them.'),
  );
}

function relaySection(relay: RelayStatus, now: number): Block {
  const lastSuccess = relay.destinations
    .map((d) => d.lastDeliveredAt)
    .filter((at): at is number => at !== null)
    .reduce<number | null>((max, at) => (max === null || at > max ? at : max), null);
  const health =
    relay.pending === 0 && relay.dead === 0
      ? ':white_check_mark: Nothing waiting.'
      : `${relay.pending} waiting${relay.oldestPendingAgeMs !== null ? ` (oldest ${clockAge(relay.oldestPendingAgeMs)})` : ''}, ${relay.dead} dead.${
          relay.pending > 0 ? ` ${backlogByLeg(relay, now)}` : ''
        }`;
  return section(
    `*Relay*\n${health} Last delivery ${lastSuccess === null ? 'never' : slackTime(lastSuccess)}. \`/sms relay status\` has the detail.`,
  );
}

function numbersSection(numbers: HomeState['numbers']): Block[] {
  if (numbers === 'loading') return [section('*Numbers*\n_Reading them from Wavix…_')];
  if ('unavailable' in numbers)
    return [section(`*Numbers*\n:warning: Wavix could not be read: ${escapeMrkdwn(numbers.unavailable)}`)];
  if (numbers.numbers.length === 0) return [section('*Numbers*\nNo numbers on the Wavix account.')];
  const lines = numbers.numbers
    .slice(0, HOME_SHOWN.numbers)
    .map(
      (n) =>
        `• *${escapeInline(n.display)}* (${escapeInline(n.country)}) ${inboundLine(n)}${webhookLine(n, numbers.smsopsUrlKnown).replace('\n', ' ')}`,
    );
  const hidden = numbers.numbers.length - lines.length;
  return listBlocks(
    hidden > 0 ? `*Numbers* (${numbers.numbers.length})` : '*Numbers*',
    lines,
    andMore(
      hidden,
      { one: 'number' },
      `${numbersCommand(undefined)} lists them all, ${NUMBERS_PER_PAGE} a page (${numbersCommand(undefined, 2)} and on); ${numbersCommand('202')} finds those with 202 in them.`,
    ),
  );
}

function senderIdsSection(records: readonly SenderIdRecord[]): Block[] {
  if (records.length === 0) return [section('*Sender IDs*\nNone known yet. `/sms senderid list` reads them from Wavix.')];
  const lines = records.slice(0, HOME_SHOWN.senderIds).map(senderIdSummary);
  return listBlocks(
    '*Sender IDs*',
    lines,
    andMore(records.length - lines.length, { one: 'Sender ID' }, '`/sms senderid list` lists them.'),
  );
}

/**
 * The App Home tab: the state at a glance (alerts, relay health, Sender IDs, numbers and their inbound path, routes).
 * Everything but the numbers comes from the store, so the first publish never waits on Wavix.
 */
export function homeView(state: HomeState): types.HomeView {
  const blocks: Block[] = [
    { type: 'header', text: { type: 'plain_text', text: 'smsops' } },
    ...alertsSection(state.openAlerts),
    relaySection(state.relay, state.now),
    { type: 'divider' },
    ...senderIdsSection(state.senderIds),
    { type: 'actions', elements: [button({ text: 'Request a Sender ID', actionId: ACTION.openSenderIdForm, value: 'home' })] },
    { type: 'divider' },
    ...numbersSection(state.numbers),
    { type: 'divider' },
    ...routeListMessage(state.routes).blocks,
    { type: 'divider' },
    context(`Updated ${slackTime(state.now)}. \`/sms help\` lists every command; \`/sms traffic 24h\` charts the traffic.`),
  ];
  return { type: 'home', blocks: blocks.slice(0, 100) };
}

/**
 * The Home tab of someone smsops is not for (a guest, a member of another organisation): why, and nothing of the
 * setup. Published over whatever they saw before, so someone who became a guest no longer reads the old state there.
 */
export function homeRefusedView(reason: string): types.HomeView {
  return {
    type: 'home',
    blocks: [{ type: 'header', text: { type: 'plain_text', text: 'smsops' } }, section(`:no_entry: ${escapeMrkdwn(reason)}`)],
  };
}
