import { blockTextLength, SLACK_BLOCK_TEXT_BUDGET, SLACK_MAX_BLOCKS } from './inboundSms.js';
import { andMore, type Block, context } from './text.js';

/** One page of a list: its items, which page it is, and where it sits in the whole list. */
export interface ListPage<T> {
  items: T[];
  /** From 1. */
  number: number;
  count: number;
  /** Index in the whole list of `items[0]`. */
  first: number;
  total: number;
  /** The page asked for when there is no such page (the last one is shown instead). */
  asked?: number;
}

export interface PageBudget {
  /** Blocks and block text the rest of the message (header, notes, footer) uses. */
  reservedBlocks: number;
  reservedText: number;
  /** At most this many items a page, so that "page 2" means about the same thing each time. */
  maxItems: number;
}

/**
 * Splits a list into pages that each fit one Slack message (50 blocks, about 12,000 characters of block text) beside
 * what the rest of the message takes. Filled greedily from the first item, so page n holds the same items for the same
 * list, and every item is on some page. `blocksOf` is how the item is shown.
 */
export function paginate<T>(items: readonly T[], blocksOf: (item: T) => Block[], budget: PageBudget): T[][] {
  const maxBlocks = SLACK_MAX_BLOCKS - budget.reservedBlocks;
  const maxText = SLACK_BLOCK_TEXT_BUDGET - budget.reservedText;
  const pages: T[][] = [];
  let current: T[] = [];
  let blocks = 0;
  let text = 0;
  for (const item of items) {
    const shown = blocksOf(item);
    const cost = blockTextLength(shown);
    const full =
      current.length >= budget.maxItems || blocks + shown.length > maxBlocks || (current.length > 0 && text + cost > maxText);
    if (full && current.length > 0) {
      pages.push(current);
      current = [];
      blocks = 0;
      text = 0;
    }
    current.push(item);
    blocks += shown.length;
    text += cost;
  }
  if (current.length > 0 || pages.length === 0) pages.push(current);
  return pages;
}

/** Page `asked` (from 1) of the pages; past the end, the last page, saying which was asked. */
export function pageOf<T>(pages: readonly T[][], asked: number): ListPage<T> {
  const index = Math.min(Math.max(1, Math.floor(asked)), pages.length) - 1;
  const first = pages.slice(0, index).reduce((sum, page) => sum + page.length, 0);
  const total = pages.reduce((sum, page) => sum + page.length, 0);
  return {
    items: [...(pages[index] ?? [])],
    number: index + 1,
    count: pages.length,
    first,
    total,
    ...(asked > pages.length ? { asked } : {}),
  };
}

/** Mrkdwn lines packed into as few section texts as hold them (3,000 characters each; a longer line is its own). */
export function linesIntoTexts(lines: readonly string[], max = 2900): string[] {
  const texts: string[] = [];
  for (const line of lines) {
    const last = texts.at(-1);
    if (last !== undefined && last.length + line.length + 1 <= max) texts[texts.length - 1] = `${last}\n${line}`;
    else texts.push(line);
  }
  return texts;
}

/**
 * Where a page sits and how to see the rest, one wording for every paged list: "Page 1 of 15 (numbers 1–20 of 300).
 * …and 280 more numbers — `/sms numbers page 2` shows the next ones." `command(n)` is the command for page n, as
 * mrkdwn (already escaped).
 */
export function pageFooterText<T>(
  page: ListPage<T>,
  noun: { one: string; many?: string },
  command: (page: number) => string,
): string {
  const many = noun.many ?? `${noun.one}s`;
  const missing = page.asked !== undefined ? `There is no page ${page.asked}; this is the last. ` : '';
  if (page.count <= 1) return `${missing}All ${page.total} ${page.total === 1 ? noun.one : many}.`.trim();
  const last = page.first + page.items.length;
  const where = `${missing}Page ${page.number} of ${page.count} (${many} ${page.first + 1}–${last} of ${page.total}).`;
  const after = page.total - last;
  const next =
    after > 0
      ? andMore(after, noun, `${command(page.number + 1)} shows the next ones.`)
      : `${command(1)} starts again from the first.`;
  return `${where} ${next}`;
}

/** The footer of a paged list: nothing when the whole list is on one page. */
export const pageFooter = <T>(
  page: ListPage<T>,
  noun: { one: string; many?: string },
  command: (page: number) => string,
): Block[] => (page.count <= 1 && page.asked === undefined ? [] : [context(pageFooterText(page, noun, command))]);
