import { parsePhoneNumber, plainNumberText } from '../../../core/phone.js';
import { parseSenderIdPrefill, type SenderIdPrefill } from '../../../core/senderIdPrefill.js';
import { graphemePrefix } from '../../../core/text.js';
import { maskUrl } from '../../../core/urls.js';
import { code, escapeMrkdwn } from '../../ui/text.js';

/**
 * The `/sms` grammar. Slack delivers one command with free text; this turns that text into a typed command or a
 * usage problem. Pure, so every form a person may type is unit-tested without Slack.
 *
 * The manifest sets `should_escape: true`, so `#channel` arrives as `<#C123|name>`, links as `<https://…>` or
 * `<https://…|label>`, and `&`, `<`, `>` as entities. Text typed without escaping (Socket Mode tests, the sandbox)
 * parses the same way.
 */
export type SmsCommand =
  | { kind: 'help'; topic?: string }
  | { kind: 'senderid.create'; prefill?: SenderIdPrefill }
  | { kind: 'senderid.list'; page?: number }
  | { kind: 'senderid.status'; query: string }
  | { kind: 'senderid.reject'; query: string; country: string; reason: string }
  | { kind: 'senderid.delete'; query: string }
  | { kind: 'number.list'; query?: string; page?: number }
  | { kind: 'number.enable-inbound'; number: string }
  | { kind: 'webhook.set'; target: string; url?: string }
  | {
      kind: 'route.set';
      number: string;
      /** null: not given (the route keeps its own). */
      url: string | null;
      channel: ChannelRef | null;
      /** The word `default` in place of the URL or the channel: the route names none, the fallback decides. */
      follow?: 'url' | 'channel';
    }
  | { kind: 'route.list'; query?: string; page?: number }
  | { kind: 'route.remove'; number: string }
  | { kind: 'audit'; limit: number; page?: number }
  | { kind: 'relay.status'; page?: number }
  | { kind: 'relay.replay'; target: string }
  | { kind: 'inbox'; number?: string; page?: number }
  | { kind: 'forget'; number: string }
  | { kind: 'alerts.list'; page?: number }
  | { kind: 'alerts.set'; rule: string; value: string }
  | { kind: 'jobs.list' }
  | { kind: 'jobs.run'; job: string }
  | { kind: 'traffic'; args: string[] }
  | { kind: 'doctor' }
  | { kind: 'doctor.all'; page: number }
  | { kind: 'doctor.ignore'; number: string; reason: string | null }
  | { kind: 'doctor.unignore'; number: string }
  | { kind: 'doctor.ignored'; page: number }
  | { kind: 'portsip.routes'; page?: number };

/** A channel as typed: picked from Slack's list (an ID) or a plain `#name` (resolved by the command, never guessed here). */
export type ChannelRef = { id: string } | { name: string };

export type ParsedCommand = { ok: true; command: SmsCommand } | { ok: false; problem: string; topic?: string };

export const AUDIT_DEFAULT = 10;
export const AUDIT_MAX = 50;

const usage = (problem: string, topic?: string): ParsedCommand =>
  topic ? { ok: false, problem, topic } : { ok: false, problem };
const command = (c: SmsCommand): ParsedCommand => ({ ok: true, command: c });

/** Whitespace as `String.prototype.trim` and `\s` know it, by character code (no regular expression per character). */
function isSpaceCode(code: number): boolean {
  if (code <= 32) return code === 32 || (code >= 9 && code <= 13);
  if (code < 160) return false;
  return (
    code === 160 ||
    code === 0x1680 ||
    (code >= 0x2000 && code <= 0x200a) ||
    code === 0x2028 ||
    code === 0x2029 ||
    code === 0x202f ||
    code === 0x205f ||
    code === 0x3000 ||
    code === 0xfeff
  );
}
const isSpace = (ch: string | undefined) => ch !== undefined && isSpaceCode(ch.charCodeAt(0));

interface Word {
  text: string;
  start: number;
}

/** The words of the text (the first `limit` of them) with where each starts, in one pass. */
function wordsOf(text: string, limit = Number.POSITIVE_INFINITY): Word[] {
  const words: Word[] = [];
  let start = -1;
  for (let i = 0; i <= text.length && words.length < limit; i++) {
    const space = i === text.length || isSpaceCode(text.charCodeAt(i));
    if (space && start >= 0) {
      words.push({ text: text.slice(start, i), start });
      start = -1;
    } else if (!space && start < 0) start = i;
  }
  return words;
}

/** The last word of the text and where it starts, scanning back from the end; `alone` when no other word precedes it. */
function lastWord(text: string): (Word & { alone: boolean }) | null {
  let end = text.length;
  while (end > 0 && isSpaceCode(text.charCodeAt(end - 1))) end--;
  if (end === 0) return null;
  let start = end;
  while (start > 0 && !isSpaceCode(text.charCodeAt(start - 1))) start--;
  let before = start;
  while (before > 0 && isSpaceCode(text.charCodeAt(before - 1))) before--;
  return { text: text.slice(start, end), start, alone: before === 0 };
}

const LINK_TARGET = /^(?:https?|mailto):/i;

/**
 * Slack's escaping undone: a link `<target|label>` becomes its target (so a label cannot hide where it points), other
 * `<…>` (channels, mentions) stay, then the entities are decoded. A `<` with another `<` before its `>` is text.
 * The next `<` and `>` are looked up once per position reached, so the whole scan is linear.
 */
function unescapeSlack(text: string): string {
  const parts: string[] = [];
  let copied = 0;
  let lt = text.indexOf('<');
  let nextGt = -1;
  while (lt >= 0) {
    if (nextGt !== Number.POSITIVE_INFINITY && nextGt <= lt) {
      const found = text.indexOf('>', lt + 1);
      nextGt = found < 0 ? Number.POSITIVE_INFINITY : found;
    }
    if (nextGt === Number.POSITIVE_INFINITY) break;
    const following = text.indexOf('<', lt + 1);
    if (following >= 0 && following < nextGt) {
      lt = following;
      continue;
    }
    const inner = text.slice(lt + 1, nextGt);
    if (LINK_TARGET.test(inner)) {
      const bar = inner.indexOf('|');
      parts.push(text.slice(copied, lt), bar < 0 ? inner : inner.slice(0, bar));
      copied = nextGt + 1;
    }
    lt = following;
  }
  parts.push(text.slice(copied));
  return parts.join('').replaceAll('&lt;', '<').replaceAll('&gt;', '>').replaceAll('&amp;', '&');
}

const ESCAPED_CHANNEL = /^<#([CGD][A-Z0-9]+)(?:\|[^<>|]*)?>$/;
const CHANNEL_ID = /^[CGD][A-Z0-9]{6,}$/;
const CHANNEL_NAME = /^#([^\s#<>|@]{1,80})$/;

/** One word as a channel: `<#C123|name>` (picked from Slack's list), a bare ID, or a plain `#name`. */
function channelRef(word: string): ChannelRef | null {
  const escaped = ESCAPED_CHANNEL.exec(word);
  if (escaped?.[1]) return { id: escaped[1] };
  if (CHANNEL_ID.test(word)) return { id: word };
  const named = CHANNEL_NAME.exec(word);
  return named?.[1] ? { name: named[1].toLowerCase() } : null;
}

/** Where the first URL starts, if the text has one; a URL of another scheme is named (the number would swallow it). */
function findUrl(text: string): { start: number } | { foreign: string } | null {
  const at = text.indexOf('://');
  if (at < 0) return null;
  let start = at;
  while (start > 0 && !isSpace(text[start - 1])) start--;
  const scheme = text.slice(start, at).toLowerCase();
  if (scheme === 'http' || scheme === 'https') return { start };
  let end = at;
  while (end < text.length && !isSpace(text[end])) end++;
  return { foreign: text.slice(start, end) };
}

/** Characters that no PortSIP path holds: a space before one of them ends the URL. */
const NOT_IN_PATH = new Uint8Array(128);
for (const ch of '#?<>|"`{}\\^') NOT_IN_PATH[ch.charCodeAt(0)] = 1;
const notInPath = (code: number) => code < 128 && NOT_IN_PATH[code] === 1;
const SLASH = 47;
const COLON = 58;

/**
 * Where a PortSIP URL that starts at `start` ends. PortSIP's webhook is `https://host:port/<prefix>/<brand>/<uuid>`
 * and the brand may hold spaces ("Wavix - US"), so a space belongs to the URL only when the text after it reaches
 * another `/` (the URL goes on with a further segment) before any character no path holds; the last segment (the
 * UUID) therefore never takes a space, and `… #sms-inbox`, `… <#C123|x>` or `… C0123456` after it are left over.
 * The authority and the query end at the first space. The look-ahead is remembered up to where it decided, so each
 * character is looked at a bounded number of times.
 */
function urlEnd(text: string, start: number): number {
  const n = text.length;
  let i = text.indexOf('://', start) + 3;
  while (i < n && !isSpaceCode(text.charCodeAt(i)) && text.charCodeAt(i) !== SLASH) i++;
  let inPath = text.charCodeAt(i) === SLASH;
  let decidedUpTo = -1;
  let decision = false;
  while (i < n) {
    const code = text.charCodeAt(i);
    if (!isSpaceCode(code)) {
      if (code === 63 /* ? */ || code === 35 /* # */) inPath = false;
      i++;
      continue;
    }
    if (!inPath) return i;
    let next = i;
    while (next < n && isSpaceCode(text.charCodeAt(next))) next++;
    if (next >= n || notInPath(text.charCodeAt(next))) return i;
    if (next >= decidedUpTo) {
      let j = next;
      while (j < n && text.charCodeAt(j) !== SLASH && !notInPath(text.charCodeAt(j))) j++;
      // A segment ending in `:` before its `/` is another URL's scheme (`… https://…`), not a brand.
      decision = j < n && text.charCodeAt(j) === SLASH && text.charCodeAt(j - 1) !== COLON;
      decidedUpTo = j;
    }
    if (!decision) return i;
    i = next;
  }
  return i;
}

/** In place of a route's URL or channel: it names none of its own, and the fallback decides. */
const FOLLOW_WORD = 'default';

/** The text of a `route set`: the number, the URL with PortSIP's spaces, and a channel (or `default`) after it. */
function parseRouteSet(escaped: string): ParsedCommand {
  const text = unescapeSlack(escaped);
  const url = findUrl(text);
  if (url && 'foreign' in url) return usage(`${code(maskUrl(url.foreign))} is not an http(s) URL.`, 'route');
  let number: string;
  let link: string | null = null;
  let channel: ChannelRef | null = null;
  let follow: 'url' | 'channel' | undefined;
  if (url) {
    const end = urlEnd(text, url.start);
    number = text.slice(0, url.start).trim();
    link = text.slice(url.start, end);
    const after = text.slice(end).trim();
    if (after.toLowerCase() === FOLLOW_WORD) follow = 'channel';
    else if (after) {
      channel = wordsOf(after, 2).length === 1 ? channelRef(after) : null;
      if (!channel) {
        return usage(
          `After the URL only a channel may follow (pick it from Slack’s list as you type \`#\`, or give its ID); ${code(maskUrl(after.slice(0, 80)))} is not one, and it is not part of a PortSIP URL (…/&lt;name&gt;/&lt;id&gt;).`,
          'route',
        );
      }
    }
    const last = lastWord(number);
    if (last && !last.alone && channelRef(last.text)) {
      return usage('Put the channel after the URL: `/sms route set &lt;number&gt; &lt;URL&gt; #channel`.', 'route');
    }
  } else {
    const last = lastWord(text);
    channel = last && !last.alone ? channelRef(last.text) : null;
    number = (channel && last ? text.slice(0, last.start) : text).trim();
    // `<number> default [#channel]`: the route's own URL is cleared (`default default` for the default route itself).
    const word = lastWord(number);
    if (word && !word.alone && word.text.toLowerCase() === FOLLOW_WORD) {
      follow = 'url';
      number = number.slice(0, word.start).trim();
    }
  }
  if (!number) return usage('Which number? `default` or a number, then the PortSIP webhook URL.', 'route');
  if (follow === 'url' && !channel && /\sdefault$/i.test(number)) {
    return usage('A route needs a URL or a channel of its own: `/sms route remove` makes the number follow `default`.', 'route');
  }
  if (!link && !channel && !follow) return usage('Give the PortSIP webhook URL (and optionally a #channel).', 'route');
  return command({ kind: 'route.set', number, url: link, channel, ...(follow ? { follow } : {}) });
}

/** Splits "<target> <url>" at the URL (kept whole: smsops' own or one typed by hand). */
/**
 * The longest webhook URL taken: replacing another URL asks first, and the "Replace" button carries the URL in its
 * value, which Slack caps at 2,000 characters. A longer one made a question Slack refused, so the admin saw nothing.
 */
export const MAX_WEBHOOK_URL = 1_800;

function parseWebhookSet(escaped: string): ParsedCommand {
  const text = unescapeSlack(escaped);
  const url = findUrl(text);
  if (url && 'foreign' in url) return usage(`${code(maskUrl(url.foreign))} is not an http(s) URL.`, 'webhook');
  const target = (url ? text.slice(0, url.start) : text).trim() || 'default';
  if (!url) return command({ kind: 'webhook.set', target });
  const given = text.slice(url.start).trim();
  if (given.length > MAX_WEBHOOK_URL) {
    return usage(
      `${code(`${maskUrl(given.slice(0, 80))}…`)} is ${given.length.toLocaleString('en-US')} characters long: smsops takes a webhook URL of at most ${MAX_WEBHOOK_URL.toLocaleString('en-US')} (Slack's button that confirms it holds 2,000).`,
      'webhook',
    );
  }
  return command({ kind: 'webhook.set', target, url: given });
}

export const MAX_PAGE = 1000;
const PAGE_RULE = `a page number from 1 to ${MAX_PAGE}, in digits.`;

/**
 * A page as typed: plain decimal digits from 1 to MAX_PAGE, the one rule of every paged command. `Number()` would also
 * take `0x10`, `1e9`, `0b11` or `2.0e1`, which nobody means as a page. A page past the end shows the last one.
 */
export function pageWord(word: string | undefined): number | null {
  if (word === undefined || !/^[0-9]{1,4}$/.test(word)) return null;
  const page = Number.parseInt(word, 10);
  return page >= 1 && page <= MAX_PAGE ? page : null;
}

/** Whether a list command reads these words as a search without `find` before them: a number or a country code. */
export const searchesWithoutVerb = (query: string): boolean => /^(?:[+(\d]|[A-Za-z]{2}(?:\s|$))/.test(query.trim());

/**
 * The arguments of a list command: an optional search and `page N` at the end. `words` are what follows the noun (and
 * its `list` verb). Only a number-like or two-letter first word searches without `list`/`find` before it, so a
 * mistyped verb is still named as one.
 */
function listArgs(words: readonly string[], explicit: boolean): { query?: string; page?: number } | { problem: string } | null {
  const rest = [...words];
  let page: number | undefined;
  const at = rest.length - 2;
  if (at >= 0 && rest[at]?.toLowerCase() === 'page') {
    const n = pageWord(rest[at + 1]);
    if (n === null) return { problem: `${code(`page ${rest[at + 1] ?? ''}`)}: give ${PAGE_RULE}` };
    page = n;
    rest.splice(at, 2);
  } else if (rest.at(-1)?.toLowerCase() === 'page') return { problem: 'Which page? e.g. `page 2`.' };
  const query = rest.join(' ').trim();
  if (query && !explicit && !searchesWithoutVerb(query)) return null;
  return { ...(query ? { query } : {}), ...(page !== undefined ? { page } : {}) };
}

/** Words a typed phone number is made of (`+1`, `(202)`, `555-0143`); a reason is whatever follows them. */
const PHONE_WORD = /^[\d+().\-/]+$/;
/**
 * Words a number is looked for in, at most: E.164 has 15 digits, so more words are the reason. Each count of words is
 * parsed as a number from the longest down, and `/sms doctor ignore 1 1 1 …` (25,000 words) held smsops' only thread 2 s.
 */
const MAX_PHONE_WORDS = 24;

/**
 * "<number> [reason]": the number may be typed with spaces (`+1 202 555 0143`), so it is the longest run of leading
 * phone-like words that the phone helper accepts; the rest is the reason.
 */
function numberAndReason(text: string): { number: string; reason: string | null } | { problem: string } {
  const words = wordsOf(text);
  let phoneWords = 0;
  // A word pasted with typographic dashes or full-width digits is a phone word too (the phone helper reads them).
  while (phoneWords < Math.min(words.length, MAX_PHONE_WORDS) && PHONE_WORD.test(plainNumberText(words[phoneWords]?.text ?? '')))
    phoneWords++;
  for (let n = phoneWords; n > 0; n--) {
    const end = (words[n - 1]?.start ?? 0) + (words[n - 1]?.text.length ?? 0);
    if (parsePhoneNumber(text.slice(0, end)).ok) {
      const reason = text.slice(end).trim();
      return { number: text.slice(0, end), reason: reason || null };
    }
  }
  const typed =
    phoneWords > 0
      ? text.slice(0, (words[phoneWords - 1]?.start ?? 0) + (words[phoneWords - 1]?.text.length ?? 0))
      : words[0]?.text;
  if (!typed) return { problem: 'Which number? e.g. `/sms doctor ignore +1 202 555 0143 voice DID`.' };
  const parsed = parsePhoneNumber(typed);
  // The phone helper quotes what was typed: escaped here, as every problem is mrkdwn shown in Slack.
  return { problem: parsed.ok ? 'Which number?' : escapeMrkdwn(parsed.error.userMessage) };
}

/**
 * `page N` as the only words after a list command (`/sms alerts page 2`): the page, nothing when no words, null when
 * the words are something else.
 */
function pageOnly(words: readonly string[], topic: string): { page?: number } | ParsedCommand | null {
  if (words.length === 0) return {};
  if (words[0]?.toLowerCase() !== 'page') return null;
  const n = pageWord(words[1]);
  if (words.length !== 2 || n === null) return usage(`${code(words.join(' '))}: give ${PAGE_RULE} e.g. \`page 2\`.`, topic);
  return { page: n };
}
const isParsed = (x: { page?: number } | ParsedCommand): x is ParsedCommand => 'ok' in x;

const TAKES_A_PAGE = 'nothing but a page (e.g. `page 2`)';

/**
 * Words after a command that is whole without them: they are the problem, not the command (which exists). They are
 * quoted cut, since a command may be as long as Slack lets it.
 */
function strayWords(cmd: string, takes: string, stray: readonly string[], topic: string): ParsedCommand {
  const { kept, cut } = graphemePrefix(stray.map(unescapeSlack).join(' '), 80);
  return usage(`${code(`/sms ${cmd}`)} takes ${takes}: ${code(cut ? `${kept}…` : kept)} is not part of it.`, topic);
}

/**
 * `/sms numbers Support`: a label search needs `find` before a word (only digits and a country code search without
 * it, so a mistyped verb is named as one); the answer shows the search the person most likely meant.
 */
function labelWithoutFind(typed: string): ParsedCommand {
  const { kept, cut } = graphemePrefix(typed.trim(), 80);
  const quoted = cut ? `${kept}…` : kept;
  return usage(
    `${code(`numbers ${quoted}`)} is not a command. To find numbers by their label: ${code(`/sms numbers find ${quoted}`)}.`,
    'number',
  );
}

function pageNumber(word: string | undefined): number | null {
  return word === undefined ? 1 : pageWord(word);
}

/** `/sms doctor`, `doctor all [page]`, `doctor ignore <number> [reason]`, `doctor unignore <number>`, `doctor ignored [page]`. */
function parseDoctor(verb: string | undefined, escapedRest: string): ParsedCommand {
  const rest = unescapeSlack(escapedRest).trim();
  switch (verb) {
    case undefined:
      return command({ kind: 'doctor' });
    case 'all':
    case 'ignored': {
      const words = wordsOf(rest, 2).map((w) => w.text);
      const page = words.length > 1 ? null : pageNumber(words[0]);
      if (page === null) return usage(`Give ${PAGE_RULE} e.g. \`/sms doctor ${verb} 2\`.`, 'doctor');
      return command(verb === 'all' ? { kind: 'doctor.all', page } : { kind: 'doctor.ignored', page });
    }
    case 'ignore': {
      const parsed = numberAndReason(rest);
      if ('problem' in parsed) return usage(`${parsed.problem} Usage: \`/sms doctor ignore &lt;number&gt; [reason]\`.`, 'doctor');
      return command({ kind: 'doctor.ignore', number: parsed.number, reason: parsed.reason });
    }
    case 'unignore': {
      const parsed = numberAndReason(rest);
      if ('problem' in parsed) return usage(`${parsed.problem} Usage: \`/sms doctor unignore &lt;number&gt;\`.`, 'doctor');
      if (parsed.reason) return usage('Give only the number: `/sms doctor unignore &lt;number&gt;`.', 'doctor');
      return command({ kind: 'doctor.unignore', number: parsed.number });
    }
    default:
      return usage(`${code(`doctor ${verb}`)} is not a command.`, 'doctor');
  }
}

/**
 * The other spellings of a command's noun that the commands below take (`/sms numbers`, `/sms routes page 2`): `/sms
 * help numbers` is the same topic, not "No help topic".
 */
const HELP_TOPIC_ALIASES: Readonly<Record<string, string>> = {
  'sender-id': 'senderid',
  senderids: 'senderid',
  numbers: 'number',
  webhooks: 'webhook',
  routes: 'route',
  alert: 'alerts',
  job: 'jobs',
};

function helpTopicOf(word: string): string {
  const topic = word.toLowerCase();
  return HELP_TOPIC_ALIASES[topic] ?? topic;
}

/**
 * Slack's mobile apps turn a number typed in a message into a phone link, `<tel:+12025550100|+1 202 555 0100>`, and
 * send the slash command's text so: every command taking a number refused it ("may only contain digits…") quoting
 * markup the person never typed. The link gives way to its label, the number as typed (its target when it has none),
 * before the words are split: the command reads as it does typed on a desktop. Each character class excludes the
 * delimiters, so the scan is linear.
 */
const PHONE_LINK = /<tel:([^<>|]*)(?:\|([^<>]*))?>/gi;
const unwrapPhoneLinks = (text: string) =>
  text.includes('<') ? text.replace(PHONE_LINK, (_, target: string, label?: string) => label || target) : text;

export function parseSmsCommand(rawText: string): ParsedCommand {
  const text = unwrapPhoneLinks(rawText).trim();
  // Links are unwrapped per argument, so that a URL's label cannot hide its target; entities are decoded with them.
  // The first three words decide the command; only commands that take a list of words split the whole text.
  const positioned = wordsOf(text, 3);
  const allWords = () => wordsOf(text).map((w) => w.text);
  const words = positioned.map((w) => w.text);
  const noun = (words[0] ?? 'help').toLowerCase();
  const verb = words[1]?.toLowerCase();
  // The rest of the text as typed (inner spacing kept: a PortSIP URL's path may contain spaces).
  const restAfter = (count: number) => {
    const first = positioned[count];
    return first ? text.slice(first.start) : '';
  };

  switch (noun) {
    case 'help':
    case '?':
      return command(words[1] ? { kind: 'help', topic: helpTopicOf(words[1]) } : { kind: 'help' });

    case 'senderid':
    case 'sender-id':
    case 'senderids':
      if (noun === 'senderids' && (verb === undefined || verb === 'page')) {
        const paged = pageOnly(allWords().slice(1), 'senderid');
        if (paged) return isParsed(paged) ? paged : command({ kind: 'senderid.list', ...paged });
      }
      if (verb === 'create' || verb === 'new') {
        // `/sms senderid create Acme FR GB` opens the form filled with what was typed.
        const prefill = parseSenderIdPrefill(unescapeSlack(restAfter(2)));
        return command(prefill ? { kind: 'senderid.create', prefill } : { kind: 'senderid.create' });
      }
      if (verb === 'list' || verb === 'ls') {
        const after = allWords().slice(2);
        const paged = pageOnly(after, 'senderid');
        if (!paged) return strayWords('senderid list', TAKES_A_PAGE, after, 'senderid');
        return isParsed(paged) ? paged : command({ kind: 'senderid.list', ...paged });
      }
      if (verb === 'status' || verb === 'show') {
        const query = unescapeSlack(restAfter(2)).trim();
        if (!query) return usage('Which Sender ID? Give its text or its Wavix id, e.g. `/sms senderid status Acme`.', 'senderid');
        return command({ kind: 'senderid.status', query });
      }
      if (verb === 'delete' || verb === 'remove') {
        const query = unescapeSlack(restAfter(2)).trim();
        if (!query) return usage('Which Sender ID? Give its text or its Wavix id, e.g. `/sms senderid delete Acme`.', 'senderid');
        return command({ kind: 'senderid.delete', query });
      }
      if (verb === 'reject') {
        // The Sender ID may contain spaces ("Acme Co"): it runs up to the first country code in capitals after its first word.
        const rest = unescapeSlack(restAfter(2)).trim().split(/\s+/).filter(Boolean);
        const at = rest.findIndex((word, i) => i > 0 && /^[A-Z]{2}$/.test(word));
        const reason = at > 0 ? rest.slice(at + 1).join(' ') : '';
        if (at < 0 || !reason) {
          return usage(
            'Give the Sender ID, the country code in capitals and Wavix’s reason, e.g. `/sms senderid reject Acme FR Brand not registered`.',
            'senderid',
          );
        }
        return command({
          kind: 'senderid.reject',
          query: rest.slice(0, at).join(' '),
          country: rest[at] ?? '',
          reason,
        });
      }
      return usage(verb ? `${code(`senderid ${unescapeSlack(verb)}`)} is not a command.` : 'What about Sender IDs?', 'senderid');

    case 'number':
    case 'numbers':
      if (verb !== 'enable-inbound' && verb !== 'enable') {
        const explicit = verb === 'list' || verb === 'ls' || verb === 'find' || verb === 'search';
        const args = listArgs(
          allWords()
            .slice(explicit ? 2 : 1)
            .map(unescapeSlack),
          explicit,
        );
        if (args && 'problem' in args) return usage(args.problem, 'number');
        if (args) return command({ kind: 'number.list', ...args });
      }
      if (verb === 'enable-inbound' || verb === 'enable') {
        const number = unescapeSlack(restAfter(2)).trim();
        if (!number) return usage('Which number? e.g. `/sms number enable-inbound +1 415 555 0100`.', 'number');
        return command({ kind: 'number.enable-inbound', number });
      }
      if (noun === 'numbers' && !verb?.includes('-')) return labelWithoutFind(unescapeSlack(restAfter(1)));
      return usage(`${code(`number ${unescapeSlack(verb ?? '')}`)} is not a command.`, 'number');

    case 'webhook':
    case 'webhooks': {
      if (verb !== 'set')
        return usage(verb ? `${code(`webhook ${unescapeSlack(verb)}`)} is not a command.` : 'What about webhooks?', 'webhook');
      return parseWebhookSet(restAfter(2));
    }

    case 'route':
    case 'routes': {
      if (verb !== 'set' && verb !== 'remove' && verb !== 'rm' && verb !== 'delete') {
        const explicit = verb === 'list' || verb === 'ls' || verb === 'find';
        const args = listArgs(
          allWords()
            .slice(explicit ? 2 : 1)
            .map(unescapeSlack),
          explicit,
        );
        if (args && 'problem' in args) return usage(args.problem, 'route');
        if (args) return command({ kind: 'route.list', ...args });
      }
      if (verb === 'set') return parseRouteSet(restAfter(2));
      if (verb === 'remove' || verb === 'rm' || verb === 'delete') {
        const number = unescapeSlack(restAfter(2)).trim();
        if (!number) return usage('Which route? `default` or a number.', 'route');
        return command({ kind: 'route.remove', number });
      }
      return usage(`${code(`route ${unescapeSlack(verb ?? '')}`)} is not a command.`, 'route');
    }

    case 'relay': {
      if (verb === undefined || verb === 'status' || verb === 'page') {
        const after = allWords().slice(verb === 'status' ? 2 : 1);
        const paged = pageOnly(after, 'relay');
        // Without `status` the first word is the verb: `page …` is always a page, and nothing else gets here.
        if (!paged) return strayWords('relay status', TAKES_A_PAGE, after, 'relay');
        return isParsed(paged) ? paged : command({ kind: 'relay.status', ...paged });
      }
      if (verb === 'replay') {
        const target = unescapeSlack(restAfter(2)).trim();
        if (!target) return usage('Replay what? A message id (from `/sms inbox`) or `dead`.', 'relay');
        return command({ kind: 'relay.replay', target });
      }
      return usage(`${code(`relay ${unescapeSlack(verb ?? '')}`)} is not a command.`, 'relay');
    }

    case 'inbox': {
      const args = allWords().slice(1).map(unescapeSlack);
      let page: { page?: number } = {};
      if (args.length >= 2 && args.at(-2)?.toLowerCase() === 'page') {
        const paged = pageOnly(args.slice(-2), 'inbox');
        if (paged && isParsed(paged)) return paged;
        page = paged ?? {};
        args.splice(-2, 2);
      }
      const number = args.join(' ').trim();
      return command(number ? { kind: 'inbox', number, ...page } : { kind: 'inbox', ...page });
    }

    case 'forget': {
      const number = unescapeSlack(restAfter(1)).trim();
      if (!number) return usage('Whose records? Give the customer’s number, e.g. `/sms forget +44 7400 123456`.', 'forget');
      return command({ kind: 'forget', number });
    }

    case 'audit': {
      if (verb === undefined) return command({ kind: 'audit', limit: AUDIT_DEFAULT });
      const args = listArgs(allWords().slice(1).map(unescapeSlack), true);
      if (args && 'problem' in args) return usage(args.problem, 'audit');
      const page = args?.page !== undefined ? { page: args.page } : {};
      if (!args?.query) return command({ kind: 'audit', limit: AUDIT_DEFAULT, ...page });
      const limit = Number(args.query);
      if (!Number.isInteger(limit) || limit < 1 || limit > AUDIT_MAX) {
        return usage(`${code(`audit ${args.query}`)}: give a count from 1 to ${AUDIT_MAX}.`, 'audit');
      }
      return command({ kind: 'audit', limit, ...page });
    }

    case 'alerts':
    case 'alert': {
      if (verb === undefined || verb === 'list' || verb === 'page') {
        const after = allWords().slice(verb === 'list' ? 2 : 1);
        const paged = pageOnly(after, 'alerts');
        if (!paged) return strayWords('alerts list', TAKES_A_PAGE, after, 'alerts');
        return isParsed(paged) ? paged : command({ kind: 'alerts.list', ...paged });
      }
      if (verb === 'set') {
        const [rule, value, ...extra] = allWords().slice(2).map(unescapeSlack);
        if (!rule || !value || extra.length > 0) {
          return usage('Give a rule and a value, e.g. `/sms alerts set failure_rate 15` (or `off`).', 'alerts');
        }
        return command({ kind: 'alerts.set', rule, value });
      }
      return usage(`${code(`alerts ${unescapeSlack(verb ?? '')}`)} is not a command.`, 'alerts');
    }

    case 'jobs':
    case 'job': {
      if (verb === undefined || verb === 'list') {
        const after = allWords().slice(2);
        if (after.length > 0) return strayWords('jobs list', 'nothing more', after, 'jobs');
        return command({ kind: 'jobs.list' });
      }
      if (verb === 'run') {
        const job = words[2];
        if (!job) return usage('Run which job? `/sms jobs` lists them.', 'jobs');
        const after = allWords().slice(3);
        if (after.length > 0) return strayWords('jobs run', 'one job (`/sms jobs` lists them)', after, 'jobs');
        return command({ kind: 'jobs.run', job });
      }
      return usage(`${code(`jobs ${unescapeSlack(verb)}`)} is not a command.`, 'jobs');
    }

    case 'traffic':
      // The period and number are checked by the traffic use case, which owns what they may be.
      return command({ kind: 'traffic', args: allWords().slice(1).map(unescapeSlack) });

    case 'doctor':
      return parseDoctor(verb, restAfter(2));

    case 'portsip':
      if (verb === undefined || verb === 'routes' || verb === 'page') {
        const args = listArgs(
          allWords()
            .slice(verb === 'routes' ? 2 : 1)
            .map(unescapeSlack),
          false,
        );
        if (args && 'problem' in args) return usage(args.problem, 'portsip');
        if (args && args.query === undefined) return command({ kind: 'portsip.routes', ...args });
        const after = allWords().slice(verb === 'routes' ? 2 : 1);
        return strayWords(verb === 'routes' ? 'portsip routes' : 'portsip', TAKES_A_PAGE, after, 'portsip');
      }
      return usage(`${code(`portsip ${unescapeSlack(verb ?? '')}`)} is not a command.`, 'portsip');

    default:
      return usage(`${code(unescapeSlack(words[0] ?? ''))} is not an /sms command.`);
  }
}
