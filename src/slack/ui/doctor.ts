import { type FindingKind, findingSummary } from '../../core/doctor/findings.js';
import type { CheckStatus, DoctorCheck, DoctorFixAction, DoctorReport } from '../../core/doctor/types.js';
import { summaryLine } from '../../core/doctor.js';
import { formatPhoneForPeople } from '../../core/phone.js';
import type { IgnoredNumber } from '../../core/ports/doctorIgnores.js';
import { DOCTOR_ACTION } from '../ids.js';
import {
  type Block,
  button,
  clip,
  code,
  context,
  escapeMrkdwn,
  mention,
  oneLine,
  plural,
  type SlackMessage,
  section,
  slackTime,
} from './text.js';

const ICON: Record<CheckStatus, string> = {
  ok: ':white_check_mark:',
  warning: ':warning:',
  failure: ':x:',
  skipped: ':heavy_minus_sign:',
};

/** Doctor's own fix actions: the same use cases as `/sms number list`'s buttons, then the report is shown again. */
const FIX_ACTION: Record<DoctorFixAction, string> = {
  enable_inbound: DOCTOR_ACTION.fixEnableInbound,
  point_webhook_at_smsops: DOCTOR_ACTION.fixPointWebhook,
};

/** The commands the report points at; one place, so the help and the report cannot drift apart. */
export const DOCTOR_COMMANDS = {
  all: '/sms doctor all',
  ignored: '/sms doctor ignored',
  ignore: '/sms doctor ignore',
  unignore: '/sms doctor unignore',
} as const;

/** What is broken first, then what needs a look, then the rest; within each, the order of the chain. */
const STATUS_ORDER: CheckStatus[] = ['failure', 'warning', 'ok', 'skipped'];

/** Items of one kind listed one by one in the report; the rest are counted ("and N more"). */
export const ITEMS_PER_KIND = 10;

/** Slack refuses more than 50 blocks, and (undocumented) about 12,000 characters of text over a message's blocks. */
const MAX_BLOCKS = 50;
const MAX_TEXT = 11_000;
/** A section holds 3,000 characters; lines are packed into sections up to this. */
const SECTION_TEXT = 2_900;
/** One line of a listing, at most. */
const LINE_MAX = 300;

/** Text of a message's blocks as Slack counts it for its total: every `text` string. */
export function blocksTextLength(blocks: unknown): number {
  let total = 0;
  const walk = (value: unknown) => {
    if (Array.isArray(value)) for (const v of value) walk(v);
    else if (value !== null && typeof value === 'object')
      for (const [key, v] of Object.entries(value)) {
        if (key === 'text' && typeof v === 'string') total += v.length;
        else walk(v);
      }
  };
  walk(blocks);
  return total;
}

/** Lines packed into as few sections as Slack's 3,000-character limit allows. */
function packLines(lines: string[]): Block[] {
  const blocks: Block[] = [];
  let current = '';
  for (const raw of lines) {
    const line = clip(raw, LINE_MAX);
    if (current && current.length + 1 + line.length > SECTION_TEXT) {
      blocks.push(section(current));
      current = '';
    }
    current = current ? `${current}\n${line}` : line;
  }
  if (current) blocks.push(section(current));
  return blocks;
}

// ── One check ────────────────────────────────────────────────────────────────────────────────────────────────────

/*
 * A check's title and reason each stay on one line: they quote outside text (a number's label, Wavix's words in a
 * refusal), and a line break in it made a line of its own that read as a finding ("✅ *Wavix API key*: all fine"). The
 * use cases keep such text inline (inlineText) where they quote it; not here, since smsops' own `code` spans (a URL,
 * a command) must stay code.
 */
const titleOf = (check: DoctorCheck) => escapeMrkdwn(oneLine(check.title));
const reasonOf = (check: DoctorCheck) => escapeMrkdwn(oneLine(check.reason));

const checkText = (check: DoctorCheck) => `${ICON[check.status]} *${titleOf(check)}*\n${reasonOf(check)}`;

const blockId = (prefix: string, id: string) => `${prefix}:${id}`.slice(0, 255);

/**
 * The blocks with each block_id once: Slack refuses a whole message holding one twice (invalid_blocks), and two checks
 * can share an id (Wavix holds two records of one number, an old inactive one beside the active one; ids cut at 255).
 * A repeat gets `#2`, `#3`… (nothing reads these ids back).
 */
function withUniqueBlockIds(blocks: Block[]): Block[] {
  const seen = new Set<string>();
  return blocks.map((block) => {
    const id = block.block_id;
    if (id === undefined) return block;
    let unique = id;
    for (let n = 2; seen.has(unique); n++) unique = `${id.slice(0, 255 - `#${n}`.length)}#${n}`;
    seen.add(unique);
    return unique === id ? block : { ...block, block_id: unique };
  });
}

/**
 * A problem as the report shows it: its reason, and its buttons. A number's finding can be ignored, so it gets an
 * actions row (fix, then "Ignore this number"); any other check keeps its fix as the section's button.
 */
function checkBlocks(check: DoctorCheck, options: { withReason?: boolean } = {}): Block[] {
  const fix = check.fix
    ? button({ text: check.fix.label, actionId: FIX_ACTION[check.fix.actionId], value: check.fix.value, style: 'primary' })
    : undefined;
  const shownText = options.withReason === false ? `${ICON[check.status]} *${titleOf(check)}*` : checkText(check);
  const text = section(shownText, blockId('doctor', check.id));
  if (check.number && check.status !== 'ok' && check.status !== 'skipped') {
    const ignore = button({ text: 'Ignore this number', actionId: DOCTOR_ACTION.ignoreNumber, value: check.number });
    return [text, { type: 'actions', block_id: blockId('doctor-act', check.id), elements: fix ? [fix, ignore] : [ignore] }];
  }
  if (!fix || text.type !== 'section') return [text];
  return [{ ...text, accessory: fix }];
}

// ── The checks grouped: one unit per kind of number finding, one per other check ─────────────────────────────────

interface Unit {
  status: CheckStatus;
  kind: FindingKind | undefined;
  checks: DoctorCheck[];
}

/** Counted checks by status (failures first), a kind of number finding gathered into one unit where it first appears. */
function unitsOf(checks: DoctorCheck[]): Unit[] {
  const units: Unit[] = [];
  for (const status of STATUS_ORDER) {
    const byKind = new Map<FindingKind, Unit>();
    for (const check of checks) {
      if (check.status !== status) continue;
      if (!check.finding) {
        units.push({ status, kind: undefined, checks: [check] });
        continue;
      }
      const existing = byKind.get(check.finding);
      if (existing) existing.checks.push(check);
      else {
        const unit: Unit = { status, kind: check.finding, checks: [check] };
        byKind.set(check.finding, unit);
        units.push(unit);
      }
    }
  }
  return units;
}

const unitSummary = (unit: Unit): string =>
  unit.kind ? findingSummary(unit.kind, unit.checks.length) : oneLine(unit.checks[0]?.title ?? '');

/** A problem unit with its first `shown` items listed; a kind with several findings is said first with its count. */
function problemBlocks(unit: Unit, shown: number): Block[] {
  const [only] = unit.checks;
  if (unit.checks.length === 1 && only) return checkBlocks(only);
  const kindKey = blockId('doctor-kind', `${unit.status}:${unit.kind ?? ''}`);
  const blocks: Block[] = [section(`${ICON[unit.status]} *${escapeMrkdwn(unitSummary(unit))}*`, kindKey)];
  // Under its kind's line an item repeats its reason only where it says something of its own (a URL, say).
  const firstReason = only?.reason;
  for (const check of unit.checks.slice(0, shown)) {
    blocks.push(...checkBlocks(check, { withReason: check === only || check.reason !== firstReason }));
  }
  const hidden = unit.checks.length - shown;
  if (hidden > 0) {
    blocks.push(
      context(
        shown === 0
          ? `\`${DOCTOR_COMMANDS.all}\` lists them.`
          : `…and ${hidden} more: \`${DOCTOR_COMMANDS.all}\` lists every finding.`,
      ),
    );
  }
  return blocks;
}

/** What is fine (and what was not checked), one line per kind or check. */
function fineLines(units: Unit[]): string[] {
  return units.map((unit) => {
    const [only] = unit.checks;
    if (!unit.kind && only) return `${ICON[unit.status]} *${titleOf(only)}*: ${reasonOf(only)}`;
    return `${ICON[unit.status]} ${escapeMrkdwn(unitSummary(unit))}`;
  });
}

const fits = (blocks: Block[]) => blocks.length <= MAX_BLOCKS && blocksTextLength(blocks) <= MAX_TEXT;

export function doctorCheckingMessage(): SlackMessage {
  const text = 'Checking the SMS setup… (Wavix, numbers, Sender IDs, webhooks, public URL, PortSIP, relay, Slack channels)';
  return { text, blocks: [section(`:stethoscope: ${escapeMrkdwn(text)}`)] };
}

function ignoredLine(report: DoctorReport): string | null {
  const count = report.ignored.length;
  if (count === 0) return null;
  return `:mute: ${plural(count, 'number', 'numbers')} ignored (not counted): \`${DOCTOR_COMMANDS.ignored}\` lists ${count === 1 ? 'it' : 'them'}.`;
}

/**
 * The report: failures first, then warnings, each kind of number finding said once with its count and its first few
 * listed with their buttons; then what is fine, one line per kind. Whatever the size of the account it keeps within
 * Slack's limits, saying what it leaves out and how to see it (`/sms doctor all`).
 */
export function doctorMessage(report: DoctorReport, options: { notice?: Block[] } = {}): SlackMessage {
  const summary = summaryLine(report.counts);
  // After a button: what it did, then the report as it is now.
  const head: Block[] = [
    ...(options.notice ?? []).slice(0, 3),
    section(`:stethoscope: *SMS doctor*: ${summary}`, 'doctor-summary'),
  ];
  const ignored = ignoredLine(report);
  const units = unitsOf(report.checks.filter((c) => !c.ignored));
  const problems = units.filter((u) => u.status === 'failure' || u.status === 'warning');
  const fine = units.filter((u) => u.status === 'ok' || u.status === 'skipped');
  const foot = context(
    [
      ignored,
      `\`${DOCTOR_COMMANDS.all}\` lists every finding · \`${DOCTOR_COMMANDS.ignore} <number> [reason]\` stops counting a number’s findings.`,
    ]
      .filter(Boolean)
      .join('\n'),
  );

  // What is fine gets at most a third of the room; problems come first in the message and in the budget.
  let fineBlocks = packLines(fineLines(fine));
  let fineCut = 0;
  while (fineBlocks.length > 3 || blocksTextLength(fineBlocks) > MAX_TEXT / 3) {
    fineCut += Math.max(1, Math.ceil((fine.length - fineCut) / 4));
    const kept = fineLines(fine.slice(0, fine.length - fineCut));
    kept.push(`…and ${fineCut} more that are fine: \`${DOCTOR_COMMANDS.all}\` lists them.`);
    fineBlocks = packLines(kept);
  }

  // Each problem unit at its smallest (its summary, or the one check); units that do not fit are counted at the end.
  const shown = problems.map(() => 0);
  let kept = problems.length;
  const assemble = () => {
    const blocks = [...head];
    for (let i = 0; i < kept; i++) {
      const unit = problems[i];
      if (unit) blocks.push(...problemBlocks(unit, shown[i] ?? 0));
    }
    const dropped = problems.slice(kept).reduce((n, u) => n + u.checks.length, 0);
    if (dropped > 0) {
      blocks.push(context(`…and ${plural(dropped, 'more problem')}: \`${DOCTOR_COMMANDS.all}\` lists every finding.`));
    }
    return [...blocks, ...fineBlocks, foot];
  };
  if (!fits(assemble())) {
    // The most units that fit, found by halving: hundreds of distinct problems (a bot missing from 300 channels) stay quick.
    let low = 0;
    let high = problems.length - 1;
    while (low < high) {
      kept = Math.ceil((low + high) / 2);
      if (fits(assemble())) low = kept;
      else high = kept - 1;
    }
    kept = low;
  }
  // Then the items of each kind, failures first, as long as the message stays within the limits.
  for (let i = 0; i < kept; i++) {
    const unit = problems[i];
    if (!unit || unit.checks.length === 1) continue;
    const limit = Math.min(ITEMS_PER_KIND, unit.checks.length);
    while ((shown[i] ?? 0) < limit) {
      shown[i] = (shown[i] ?? 0) + 1;
      if (!fits(assemble())) {
        shown[i] = (shown[i] ?? 1) - 1;
        break;
      }
    }
  }
  return { text: `SMS doctor: ${summary}`, blocks: withUniqueBlockIds(assemble()) };
}

// ── Every finding, one line each, page by page ───────────────────────────────────────────────────────────────────

/** A page of a listing holds this much text, so header, lines and footer stay under Slack's total. */
const PAGE_TEXT = 9_000;

/** Lines cut into pages of at most PAGE_TEXT characters (the same report always pages the same way). */
export function pagesOf(lines: string[]): string[][] {
  const pages: string[][] = [];
  let page: string[] = [];
  let size = 0;
  for (const raw of lines) {
    const line = clip(raw, LINE_MAX);
    if (page.length > 0 && size + line.length + 1 > PAGE_TEXT) {
      pages.push(page);
      page = [];
      size = 0;
    }
    page.push(line);
    size += line.length + 1;
  }
  if (page.length > 0) pages.push(page);
  return pages;
}

function ignoredNote(entry: IgnoredNumber): string {
  return `ignored by ${mention(entry.by)} ${slackTime(entry.at)}${entry.reason ? `: ${escapeMrkdwn(oneLine(entry.reason))}` : ''}`;
}

function everyFindingLines(report: DoctorReport): string[] {
  const lines: string[] = [];
  for (const unit of unitsOf(report.checks.filter((c) => !c.ignored))) {
    const [only] = unit.checks;
    if (!unit.kind && only) {
      lines.push(`${ICON[unit.status]} *${titleOf(only)}*: ${reasonOf(only)}`);
      continue;
    }
    lines.push(`${ICON[unit.status]} *${escapeMrkdwn(unitSummary(unit))}*`);
    for (const check of unit.checks) lines.push(`    • ${titleOf(check)}`);
  }
  const ignoredChecks = report.checks.filter((c) => c.ignored);
  if (ignoredChecks.length > 0) {
    lines.push(`:mute: *Findings of ignored numbers (not counted)*`);
    for (const check of ignoredChecks) {
      lines.push(`    • ${ICON[check.status]} ${titleOf(check)}: ${reasonOf(check)}`);
    }
  }
  return lines;
}

function pagedMessage(options: {
  title: string;
  fallback: string;
  lines: string[];
  page: number;
  command: string;
  empty: string;
}): SlackMessage {
  const pages = pagesOf(options.lines);
  const total = Math.max(1, pages.length);
  const page = Math.min(Math.max(1, options.page), total);
  const lines = pages[page - 1] ?? [options.empty];
  const where = total > 1 ? ` (page ${page} of ${total})` : '';
  const blocks: Block[] = [section(`${options.title}${where}`, 'doctor-list'), ...packLines(lines)];
  if (page < total) blocks.push(context(`\`${options.command} ${page + 1}\` shows the next page.`));
  else if (options.page > total) blocks.push(context(`There are only ${plural(total, 'page')}; this is the last.`));
  return { text: `${options.fallback}${where}`, blocks };
}

/** `/sms doctor all`: every check and every number's finding, ignored ones included, one line each. */
export function doctorAllMessage(report: DoctorReport, page = 1): SlackMessage {
  const summary = summaryLine(report.counts);
  return pagedMessage({
    title: `:stethoscope: *SMS doctor, every finding*: ${summary}`,
    fallback: `SMS doctor, every finding: ${summary}`,
    lines: everyFindingLines(report),
    page,
    command: DOCTOR_COMMANDS.all,
    empty: 'Nothing was checked.',
  });
}

/** `/sms doctor ignored`: each ignored number with who ignored it, when and why. */
export function ignoredNumbersMessage(ignored: IgnoredNumber[], page = 1): SlackMessage {
  const count = plural(ignored.length, 'number', 'numbers');
  return pagedMessage({
    title: `:mute: *Ignored by doctor*: ${count} (\`${DOCTOR_COMMANDS.unignore} <number>\` counts one again)`,
    fallback: `Ignored by doctor: ${count}`,
    lines: ignored.map((entry) => `• ${escapeMrkdwn(formatPhoneForPeople(entry.number))}: ${ignoredNote(entry)}`),
    page,
    command: DOCTOR_COMMANDS.ignored,
    empty: `No number is ignored. \`${DOCTOR_COMMANDS.ignore} <number> [reason]\` ignores one.`,
  });
}

/** The line the refreshed report starts with after its "Ignore this number" button, and the answer to the command. */
export function ignoredNotice(entry: IgnoredNumber, already: boolean): string {
  const number = formatPhoneForPeople(entry.number);
  return `:mute: ${escapeMrkdwn(number)} ${already ? 'was already ignored; now' : 'is now'} ignored by doctor${
    entry.reason ? ` (${escapeMrkdwn(entry.reason)})` : ''
  }: its findings are no longer counted. ${code(`${DOCTOR_COMMANDS.unignore} ${number}`)} undoes it.`;
}

export function ignoreResultMessage(entry: IgnoredNumber, already: boolean): SlackMessage {
  const text = ignoredNotice(entry, already);
  return { text: `${formatPhoneForPeople(entry.number)} is ignored by doctor`, blocks: [section(text)] };
}

export function unignoreResultMessage(number: string, removed: boolean): SlackMessage {
  const shown = formatPhoneForPeople(number);
  const text = removed
    ? `:bell: ${escapeMrkdwn(shown)} is counted by doctor again.`
    : `${escapeMrkdwn(shown)} was not ignored; nothing changed. \`${DOCTOR_COMMANDS.ignored}\` lists the ignored numbers.`;
  return { text: removed ? `${shown} is counted by doctor again` : `${shown} was not ignored`, blocks: [section(text)] };
}
