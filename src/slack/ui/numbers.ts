import { matchesNumberSearch } from '../../core/numberSearch.js';
import type { InboundActivation, NumberState, NumbersOverview } from '../../core/numbers.js';
import { maskUrl } from '../../core/urls.js';
import { ACTION } from '../ids.js';
import { searchesWithoutVerb } from '../listeners/commands/parseCommand.js';
import { blockTextLength } from './inboundSms.js';
import { pageFooter, pageOf, paginate } from './pages.js';
import { type Block, button, clip, code, context, escapeInline, escapeMrkdwn, type SlackMessage, section } from './text.js';

/** Numbers a page of `/sms numbers`: 20 numbers with their buttons stay inside Slack's 50 blocks. */
export const NUMBERS_PER_PAGE = 20;

/** What `/sms numbers` was asked: a search ("202", "GB", a label) and a page. */
export interface NumberListRequest {
  query?: string;
  page?: number;
}

/** The `/sms numbers` command that shows page `page` of the same search, as mrkdwn code. */
export const numbersCommand = (query: string | undefined, page?: number): string =>
  code(
    `/sms numbers${query ? ` ${searchesWithoutVerb(query) ? '' : 'find '}${query}` : ''}${page !== undefined && page > 1 ? ` page ${page}` : ''}`,
  );

/** A webhook URL for Slack: its token masked (it is a credential), as code so Slack does not link or unfurl it. */
export function webhookLabel(url: string | null, smsopsInbound: boolean): string {
  if (url === null) return '_none_';
  return smsopsInbound ? `smsops ${code(maskUrl(url))}` : code(maskUrl(url));
}

/** smsops' URL under a secret of WEBHOOK_SECRET_PREVIOUS: taken for now, not somebody else's. */
const NOT_CURRENT = (previousSmsops: boolean | undefined) =>
  previousSmsops ? ' :warning: *smsops’ previous webhook secret*' : ' :warning: *not smsops*';

export function inboundLine(n: NumberState): string {
  if (!n.inboundPossible) return n.smsEnabled ? 'SMS: enabled (send) · inbound: not available outside US/CA' : 'SMS: off';
  return n.inboundActive ? 'inbound SMS: active' : 'inbound SMS: *not active*';
}

export function webhookLine(n: NumberState, smsopsUrlKnown: boolean): string {
  if (!n.inboundActive && !n.numberWebhook) return '';
  const source =
    n.webhookSource === 'number'
      ? 'own webhook (overrides the default)'
      : n.webhookSource === 'account'
        ? 'account default'
        : 'no webhook';
  const mark =
    n.effectiveWebhook === null || !smsopsUrlKnown
      ? ''
      : n.pointsAtSmsops
        ? ' :white_check_mark:'
        : NOT_CURRENT(n.pointsAtPreviousSmsops);
  return `\n→ ${source}: ${webhookLabel(n.effectiveWebhook, n.pointsAtSmsops)}${mark}`;
}

function numberBlocks(n: NumberState, overview: NumbersOverview): Block[] {
  // The label, the country and the number are Wavix's: one inline run each, so none can start a line of its own.
  const label = n.label ? ` · ${escapeInline(clip(n.label, 100))}` : '';
  const blocks: Block[] = [
    section(
      `*${escapeInline(n.display)}* (${escapeInline(n.country)})${label}\n${inboundLine(n)}${webhookLine(n, overview.smsopsUrlKnown)}`,
    ),
  ];
  const buttons = [];
  if (n.inboundPossible && !n.inboundActive) {
    buttons.push(button({ text: 'Enable inbound SMS', actionId: ACTION.enableInbound, value: n.e164, style: 'primary' }));
  }
  if (n.inboundActive && overview.smsopsUrlKnown && !n.pointsAtSmsops) {
    buttons.push(button({ text: 'Point webhook at smsops', actionId: ACTION.pointWebhookAtSmsops, value: n.e164 }));
  }
  // Keyed by Wavix's record, not the number: Wavix can hold two records of one number (an old inactive one beside the
  // active one), and two blocks of one block_id make Slack refuse the whole answer (invalid_blocks).
  if (buttons.length > 0) blocks.push({ type: 'actions', block_id: `number:${n.wavixId}`, elements: buttons });
  return blocks;
}

/**
 * `/sms numbers`: the account default webhook, then one page of the numbers (all of them, or those a search names)
 * with their buttons, and where the page sits with the command for the next one; every number is on some page.
 */
export function numberListMessage(overview: NumbersOverview, request: NumberListRequest = {}): SlackMessage {
  const header = `*Account default inbound webhook*: ${webhookLabel(overview.accountWebhook, overview.accountPointsAtSmsops)}${
    overview.accountWebhook && overview.smsopsUrlKnown && !overview.accountPointsAtSmsops
      ? NOT_CURRENT(overview.accountPointsAtPreviousSmsops)
      : ''
  }`;
  const blocks: Block[] = [section(header)];
  if (overview.smsopsUrlKnown && !overview.accountPointsAtSmsops) {
    blocks.push({
      type: 'actions',
      block_id: 'number:default',
      elements: [button({ text: 'Point default at smsops', actionId: ACTION.pointWebhookAtSmsops, value: 'default' })],
    });
  }
  if (!overview.smsopsUrlKnown)
    blocks.push(context('PUBLIC_BASE_URL is not set, so smsops cannot tell whether a webhook points at it.'));
  const query = request.query?.trim() || undefined;
  if (overview.numbers.length === 0) {
    blocks.push(section('There are no numbers on this Wavix account.'));
    return { text: '0 numbers on the Wavix account', blocks };
  }
  const found = query ? overview.numbers.filter((n) => matchesNumberSearch(n, query)) : overview.numbers;
  if (found.length === 0) {
    blocks.push(
      section(
        `No number of the ${overview.numbers.length} matches ${code(query ?? '')}. ${numbersCommand(undefined)} lists them all.`,
      ),
    );
    return { text: escapeMrkdwn(`No number matches ${query}`), blocks };
  }
  const show = (n: NumberState) => numberBlocks(n, overview);
  const pages = paginate(found, show, {
    reservedBlocks: blocks.length + 2,
    reservedText: blockTextLength(blocks) + 700,
    maxItems: NUMBERS_PER_PAGE,
  });
  const page = pageOf(pages, request.page ?? 1);
  if (query) blocks.push(section(`*${found.length} of ${overview.numbers.length} numbers match ${code(query)}*`));
  for (const n of page.items) blocks.push(...show(n));
  const noun = query ? { one: 'matching number' } : { one: 'number' };
  blocks.push(...pageFooter(page, noun, (next) => numbersCommand(query, next)));
  if (page.count > 1 && !query)
    blocks.push(
      context(
        `${numbersCommand('202')} finds numbers by their digits, ${numbersCommand('GB')} by country, ${numbersCommand('Support')} by label.`,
      ),
    );
  const where = page.count > 1 ? ` (page ${page.number} of ${page.count})` : '';
  return {
    text: escapeMrkdwn(
      query
        ? `${found.length} of ${overview.numbers.length} numbers match ${query}${where}`
        : `${overview.numbers.length} numbers on the Wavix account${where}`,
    ),
    blocks,
  };
}

export function inboundEnabledMessage(result: InboundActivation): SlackMessage {
  // Escaped once for both: the fallback text is mrkdwn too.
  const text = escapeMrkdwn(
    result.alreadyActive
      ? `Inbound SMS was already active on ${result.number.display}.`
      : `Inbound SMS is now active on ${result.number.display}.`,
  );
  const next = result.number.pointsAtSmsops
    ? 'Its inbound messages reach smsops.'
    : `Its inbound webhook is ${webhookLabel(result.number.effectiveWebhook, false)}; \`/sms webhook set ${result.number.e164}\` points it at smsops.`;
  return { text, blocks: [section(`:white_check_mark: ${text}`), context(next)] };
}
