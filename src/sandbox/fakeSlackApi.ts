import type { IncomingMessage, ServerResponse } from 'node:http';
import { REQUIRED_BOT_SCOPES } from '../core/slackScopes.js';
import { sendJson, sendText } from './http/answer.js';
import { readBody } from './http/body.js';
import { Router } from './http/router.js';
import { startStandInServer } from './http/serve.js';

/**
 * A fake Slack Web API on a local port: it answers what smsops calls (chat.*, views.*, files uploads, response_url
 * posts) the way Slack does and records every call. The tests assert on the records; the sandbox console renders
 * them (see `onRecord`).
 */

/** One Web API call the fake received (rate-limited and failed calls included). */
export interface FakeSlackCall {
  method: string;
  /** From the `Authorization: Bearer` header (falling back to a `token` field, as Slack does); undefined when absent. */
  token: string | undefined;
  /** Parsed arguments: form/JSON/multipart fields, with `blocks`, `view`, `attachments`, `metadata`, ... parsed from JSON. */
  // biome-ignore lint/suspicious/noExplicitAny: tests assert on arbitrary Slack argument shapes
  args: Record<string, any>;
  /** Date.now() when the call arrived. */
  at: number;
  /** True when the fake answered 429 (see `rateLimit`). */
  rateLimited?: boolean;
  /** The error code when the fake answered `{ ok: false, error }` (failNext, not_authed). */
  error?: string;
  /** The body the fake answered with (`ok` included), e.g. the `ts` of a posted message or the `view.id` of a modal. */
  result?: Record<string, unknown>;
}

/** A body posted to a response_url (what Bolt's respond() sends). */
export interface FakeSlackResponse {
  /** Request path, e.g. `/response/cmd-1`. */
  path: string;
  // biome-ignore lint/suspicious/noExplicitAny: respond() bodies are arbitrary message payloads
  body: any;
}

/** File bytes posted to an upload_url handed out by files.getUploadURLExternal. */
export interface FakeSlackUpload {
  fileId: string;
  /** The file content (the file part when the client sent multipart/form-data, else the raw body). */
  bytes: Buffer;
  filename?: string;
}

/** Computes the answer to a Web API call; `ok: true` is added unless the result sets `ok` itself. */
export type FakeSlackHandler = (call: FakeSlackCall) => Record<string, unknown>;

export interface FakeSlackOptions {
  teamId?: string;
  botUserId?: string;
  botId?: string;
  /** Per-method answers that replace the built-in ones (e.g. `conversations.info` with `is_member: false`). */
  handlers?: Record<string, FakeSlackHandler>;
  /** People the workspace has, by user id (users.info); anyone else is a plain member. */
  users?: Record<string, FakeSlackUser>;
  /** Members of channels (conversations.members); a channel not named has none. */
  channelMembers?: Record<string, string[]>;
  /** Refuse messages over Slack's Block Kit limits as real Slack does (see `enforceLimits`). */
  enforceLimits?: boolean;
  /** Told of each record once it is complete (a call after its answer was computed), in arrival order. */
  onRecord?: (record: FakeSlackRecord) => void;
  /** Channels conversations.list lists (see `seedChannels`). */
  channels?: FakeSlackChannel[];
  /**
   * How message ts are made. `counter` (default): 1700000000.000100, .000200, ..., the same in every run, so tests can
   * name them. `clock`: as Slack makes them, epoch seconds and microseconds of the wall clock, each later than the
   * last: a sandbox restarted on its kept database (which holds the ts of its posts, threads and replies) never hands
   * out one again.
   */
  timestamps?: 'counter' | 'clock';
}

/** A channel of the fake workspace, as conversations.list shows it. */
export interface FakeSlackChannel {
  id: string;
  name: string;
  is_private?: boolean;
  is_archived?: boolean;
  /** Shared with another organisation through Slack Connect. */
  is_ext_shared?: boolean;
}

/** The team_id users.info gives a person of another organisation (`external`, `stranger`). */
export const EXTERNAL_TEAM_ID = 'T0EXTERNAL1';

/** A person's role in the workspace, as users.info reports it. */
export interface FakeSlackUser {
  admin?: boolean;
  owner?: boolean;
  primaryOwner?: boolean;
  /** A guest (is_restricted); `single-channel`: a single-channel guest (is_ultra_restricted too). */
  guest?: boolean | 'single-channel';
  /**
   * From another organisation, sharing a Slack Connect channel with the bot: Slack answers with their own
   * organisation's team_id (EXTERNAL_TEAM_ID) and no is_stranger, which it sets only for someone sharing no channel.
   */
  external?: boolean;
  /** From another organisation, sharing no channel with the bot (is_stranger). */
  stranger?: boolean;
  /** A deactivated account (deleted). */
  deleted?: boolean;
  /** An app's bot user (is_bot). */
  bot?: boolean;
  /** The display name they chose (profile.display_name); Slack sends '' when they chose none. */
  displayName?: string;
  /** Their full name (real_name and profile.real_name). */
  realName?: string;
}

/** One thing the fake received, as `onRecord` reports it. */
export type FakeSlackRecord =
  | { kind: 'call'; call: FakeSlackCall }
  | { kind: 'response'; response: FakeSlackResponse }
  | { kind: 'upload'; upload: FakeSlackUpload };

export interface FakeSlack {
  /** Web API base with trailing slash, for `slackApiUrl`, e.g. `http://127.0.0.1:PORT/api/`. */
  url: string;
  /** Base for response_urls, e.g. `http://127.0.0.1:PORT/response/`; posts under it land in `responses`. */
  responseUrl: string;
  calls: FakeSlackCall[];
  responses: FakeSlackResponse[];
  uploads: FakeSlackUpload[];
  callsTo(method: string): FakeSlackCall[];
  /** Resolves with the non-rate-limited calls to `method` once there are at least `count` of them. */
  waitFor(method: string, count?: number, timeoutMs?: number): Promise<FakeSlackCall[]>;
  /** Resolves with `responses` once at least `count` response_url posts arrived. */
  waitForResponses(count?: number, timeoutMs?: number): Promise<FakeSlackResponse[]>;
  /** The next `times` calls to `method` answer 429 with `Retry-After: retryAfterSeconds`. */
  rateLimit(method: string, retryAfterSeconds: number, times?: number): void;
  /** The next call to `method` answers 200 `{ ok: false, error }`. Repeated calls queue up. */
  failNext(method: string, error: string): void;
  /**
   * From now on (or, with `false`, no longer) chat.postMessage/update/postEphemeral over Slack's limits are refused as
   * Slack refuses them: `msg_blocks_too_long` past 12,000 characters of block text, `invalid_blocks` past 50 blocks,
   * a section text over 3,000, a context with more than 10 elements, a header over 150, or a block or element over
   * its own limits (blockProblem); views.open/update/push/publish over a view's limits too (viewLimitError), and
   * response_url posts (HTTP 400, left out of `responses`). `blockText` lowers the
   * total (Slack has refused below 12,000, bolt-js #2509), to make a refusal happen on purpose.
   */
  enforceLimits(on?: boolean | { blockText: number }): void;
  /**
   * From now on, calls to `method` that `matches` picks get no answer (Slack or a proxy hanging) until the returned
   * function is called; then they, and later ones, are answered as usual. Recorded like any call.
   */
  hang(method: string, matches?: (call: FakeSlackCall) => boolean): () => void;
  /** Replaces (or with undefined restores) the answer for `method` until `reset()`. */
  handle(method: string, handler: FakeSlackHandler | undefined): void;
  /**
   * Adds channels to the workspace conversations.list pages through (in order, at most `pageSize` a page, whatever
   * `limit` asks: Slack too may return fewer than asked, with a next_cursor).
   */
  seedChannels(channels: FakeSlackChannel[], options?: { pageSize?: number }): void;
  /** Adds or changes a person (users.info); kept across `reset()`. */
  seedUser(userId: string, role: FakeSlackUser): void;
  /**
   * The scopes every answer's `x-oauth-scopes` header names, as Slack states the token's (default: manifest.yml's);
   * undefined sends no header. Kept across `reset()`.
   */
  setBotScopes(scopes: readonly string[] | undefined): void;
  /**
   * From now on every Web API answer's Date header (Slack's time) is the wall clock moved by `offsetMs`, as a host
   * whose clock is off sees Slack's (0: Node's own Date); kept across `reset()`.
   */
  setClockOffset(offsetMs: number): void;
  /** Sets who is in a channel (conversations.members); kept across `reset()`. */
  setChannelMembers(channel: string, members: string[]): void;
  /**
   * A new message ts from the sequence the fake's own posts take theirs from, for a message a person writes (the
   * sandbox console's thread replies): in Slack one channel's messages never share a ts.
   */
  nextTs(): string;
  /** Forgets calls, responses, uploads, pending rate limits/failures and `handle` overrides. Ids and ts keep increasing. */
  reset(): void;
  close(): Promise<void>;
}

/** Form fields that the WebClient JSON-encodes (nested objects/arrays). */
const JSON_FIELDS = new Set([
  'blocks',
  'view',
  'attachments',
  'metadata',
  'files',
  'unfurls',
  'user_auth_blocks',
  'options',
  'option_groups',
]);

const TOKEN_PATTERN = /^(xox[a-z]|xapp)-\S+$/;

/** Methods whose `blocks` Slack checks against its Block Kit limits. */
const MESSAGE_METHODS = new Set(['chat.postMessage', 'chat.update', 'chat.postEphemeral']);

/** Methods whose `view` Slack checks against its limits for modals and the Home tab. */
const VIEW_METHODS = new Set(['views.open', 'views.update', 'views.push', 'views.publish']);

const textOf = (value: unknown): string => {
  const text = value !== null && typeof value === 'object' ? (value as { text?: unknown }).text : undefined;
  return typeof text === 'string' ? text : '';
};

type Json = Record<string, unknown>;
const isJson = (value: unknown): value is Json => value !== null && typeof value === 'object' && !Array.isArray(value);
const list = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);

/** An option's limits: text and description 75 characters, value 150. */
const optionsProblem = (options: unknown[]): boolean =>
  options.some(
    (o) =>
      isJson(o) &&
      (textOf(o.text).length > 75 || textOf(o.description).length > 75 || (typeof o.value === 'string' && o.value.length > 150)),
  );

/**
 * An element's limits (shared/slack-bolt.md §4b): a button's text 75 and value 2,000; a select's 100 options (or 100
 * groups of 100), each 75 characters of text and 150 of value; a placeholder 150; an action_id 255.
 */
function elementProblem(element: unknown): boolean {
  if (!isJson(element)) return false;
  if (typeof element.action_id === 'string' && element.action_id.length > 255) return true;
  if (element.type === 'button') {
    if (textOf(element.text).length > 75) return true;
    if (typeof element.value === 'string' && element.value.length > 2000) return true;
    if (typeof element.url === 'string' && element.url.length > 3000) return true;
  }
  if (element.placeholder !== undefined && textOf(element.placeholder).length > 150) return true;
  const options = list(element.options);
  const most = element.type === 'overflow' ? 5 : element.type === 'checkboxes' || element.type === 'radio_buttons' ? 10 : 100;
  if (options.length > most || optionsProblem(options)) return true;
  const groups = list(element.option_groups);
  if (groups.length > 100) return true;
  for (const group of groups) {
    if (!isJson(group)) return true;
    const grouped = list(group.options);
    if (textOf(group.label).length > 75 || grouped.length > 100 || optionsProblem(grouped)) return true;
  }
  return (
    optionsProblem(list(element.initial_options)) || (isJson(element.initial_option) && optionsProblem([element.initial_option]))
  );
}

/**
 * Whether a text object (`mrkdwn` or `plain_text`) anywhere in `value` is empty or over 3,000 characters: Slack's
 * composition-object limits, refused wherever it sits (a section, a context element, a button, an option, a
 * placeholder). An empty Sender ID or label shown alone in one was refused as a whole answer.
 */
function textObjectProblem(value: unknown): boolean {
  if (Array.isArray(value)) return value.some(textObjectProblem);
  if (!isJson(value)) return false;
  if ((value.type === 'mrkdwn' || value.type === 'plain_text') && 'text' in value) {
    const { text } = value;
    if (typeof text !== 'string' || text.length === 0 || text.length > 3000) return true;
  }
  return Object.values(value).some(textObjectProblem);
}

/** Whether a block is over its own limits (or its elements are), in a message or a view alike. */
function blockProblem(block: unknown, blockIds: Set<string>): boolean {
  if (!isJson(block)) return true;
  if (textObjectProblem(block)) return true;
  // A header is plain text only.
  if (block.type === 'header' && isJson(block.text) && block.text.type !== 'plain_text') return true;
  if (typeof block.block_id === 'string') {
    if (block.block_id.length > 255 || blockIds.has(block.block_id)) return true;
    blockIds.add(block.block_id);
  }
  if (block.type === 'section') {
    if (textOf(block.text).length > 3000) return true;
    const fields = list(block.fields);
    if (fields.length > 10 || fields.some((f) => textOf(f).length > 2000)) return true;
    if (elementProblem(block.accessory)) return true;
  }
  if (block.type === 'header' && textOf(block.text).length > 150) return true;
  if (block.type === 'context' && list(block.elements).length > 10) return true;
  if (block.type === 'actions') {
    const elements = list(block.elements);
    const actionIds = elements.flatMap((e) => (isJson(e) && typeof e.action_id === 'string' ? [e.action_id] : []));
    if (elements.length > 25 || new Set(actionIds).size < actionIds.length || elements.some(elementProblem)) return true;
  }
  if (block.type === 'input') {
    if (textOf(block.label).length > 2000 || (block.hint !== undefined && textOf(block.hint).length > 2000)) return true;
    if (elementProblem(block.element)) return true;
  }
  return false;
}

/**
 * Slack's refusal of a view (views.open/update/push/publish), per shared/slack-bolt.md §4b: 100 blocks, a modal's
 * title, submit and close 24 characters, private_metadata 3,000, the whole view 250 KB (views.publish's
 * `view_too_large`), and each block's and element's own limits. Slack answers `invalid_arguments` for most.
 */
export function viewLimitError(view: unknown): string | undefined {
  if (!isJson(view)) return 'invalid_arguments';
  if (JSON.stringify(view).length > 250_000) return 'view_too_large';
  const blocks = list(view.blocks);
  if (blocks.length > 100) return 'invalid_arguments';
  if (view.type === 'modal' && ['title', 'submit', 'close'].some((k) => textOf(view[k]).length > 24)) return 'invalid_arguments';
  if (typeof view.private_metadata === 'string' && view.private_metadata.length > 3000) return 'invalid_arguments';
  const blockIds = new Set<string>();
  return blocks.some((b) => blockProblem(b, blockIds)) ? 'invalid_arguments' : undefined;
}

/**
 * Slack's refusal of a message's blocks, per the limits in shared/slack-bolt.md §4b. The 12,000-character total is
 * undocumented (Slack staff: "12,000 with a buffer"); it is counted here over every `text` string in the blocks.
 */
export function blockLimitError(blocks: unknown, maxBlockText = 12_000): string | undefined {
  if (blocks === undefined) return undefined;
  if (!Array.isArray(blocks)) return 'invalid_blocks_format';
  if (blocks.length > 50) return 'invalid_blocks';
  let total = 0;
  const walk = (value: unknown) => {
    if (Array.isArray(value)) for (const v of value) walk(v);
    else if (value !== null && typeof value === 'object')
      for (const [key, v] of Object.entries(value)) {
        if (key === 'text' && typeof v === 'string') total += v.length;
        else walk(v);
      }
  };
  const blockIds = new Set<string>();
  for (const block of blocks) {
    // Input blocks belong to modals (and the Home tab): a message carrying one is refused.
    if (blockProblem(block, blockIds) || (isJson(block) && block.type === 'input')) return 'invalid_blocks';
  }
  walk(blocks);
  return total > maxBlockText ? 'msg_blocks_too_long' : undefined;
}

function parseJsonFields(args: Record<string, unknown>): Record<string, unknown> {
  for (const [key, value] of Object.entries(args)) {
    if (JSON_FIELDS.has(key) && typeof value === 'string') {
      try {
        args[key] = JSON.parse(value);
      } catch {
        // Not JSON after all: keep the string as sent.
      }
    }
  }
  return args;
}

/** Uploads carry chart PNGs; Slack itself takes far larger files, but nothing smsops sends comes near this. */
const BODY_LIMIT = 16 * 1024 * 1024;

/** Parses multipart/form-data with the platform's own parser; file parts become Buffers. */
async function parseMultipart(contentType: string, body: Buffer): Promise<Array<[string, string | Buffer, string?]>> {
  const form = await new Request('http://fake.invalid/', {
    method: 'POST',
    headers: { 'content-type': contentType },
    body,
  }).formData();
  const entries: Array<[string, string | Buffer, string?]> = [];
  for (const [key, value] of form) {
    if (typeof value === 'string') entries.push([key, value]);
    else entries.push([key, Buffer.from(await value.arrayBuffer()), value.name]);
  }
  return entries;
}

async function parseArgs(req: IncomingMessage, body: Buffer, url: URL): Promise<Record<string, unknown>> {
  const args: Record<string, unknown> = Object.fromEntries(url.searchParams);
  const contentType = req.headers['content-type'] ?? '';
  const text = body.toString('utf8');
  if (contentType.startsWith('multipart/form-data')) {
    for (const [key, value] of await parseMultipart(contentType, body)) args[key] = value;
  } else if (contentType.startsWith('application/json') || (!contentType.includes('urlencoded') && /^\s*\{/.test(text))) {
    if (text.trim() !== '') Object.assign(args, JSON.parse(text) as Record<string, unknown>);
  } else {
    for (const [key, value] of new URLSearchParams(text)) args[key] = value;
  }
  return parseJsonFields(args);
}

function bearerToken(req: IncomingMessage): string | undefined {
  const match = /^Bearer\s+(.+)$/i.exec(req.headers.authorization ?? '');
  return match?.[1]?.trim();
}

function str(value: unknown): string | undefined {
  return typeof value === 'string' ? value : typeof value === 'number' ? String(value) : undefined;
}

function pad(n: number): string {
  return String(n).padStart(4, '0');
}

export async function startFakeSlack(options: FakeSlackOptions = {}): Promise<FakeSlack> {
  const teamId = options.teamId ?? 'T1';
  const botUserId = options.botUserId ?? 'UBOT';
  const botId = options.botId ?? 'BBOT';

  const calls: FakeSlackCall[] = [];
  const responses: FakeSlackResponse[] = [];
  const uploads: FakeSlackUpload[] = [];
  const rateLimits = new Map<string, { retryAfter: number; remaining: number }>();
  const failures = new Map<string, string[]>();
  const overrides = new Map<string, FakeSlackHandler>();
  const hangs = new Map<string, { matches: (call: FakeSlackCall) => boolean; released: Promise<void> }>();
  const homeViewIds = new Map<string, string>();
  const users = new Map<string, FakeSlackUser>(Object.entries(options.users ?? {}));
  const channelMembers = new Map<string, string[]>(Object.entries(options.channelMembers ?? {}));
  let limits: number | undefined = options.enforceLimits ? 12_000 : undefined;
  let botScopes: readonly string[] | undefined = Object.keys(REQUIRED_BOT_SCOPES);
  let tsCounter = 0;
  let viewCounter = 0;
  let hashCounter = 0;
  let fileCounter = 0;
  let origin = '';
  const channels: FakeSlackChannel[] = [...(options.channels ?? [])];
  let channelPageSize = 1000;

  let lastClockMicros = 0;
  let clockOffsetMs = 0;

  /** Unique, increasing message timestamps (see `timestamps`). */
  const nextTs = (): string => {
    if (options.timestamps === 'clock') {
      // Date.now() * 1000 stays below 2^53 until the year 2255, so the microseconds are exact in a number.
      lastClockMicros = Math.max(Date.now() * 1000, lastClockMicros + 1);
      return `${Math.floor(lastClockMicros / 1_000_000)}.${String(lastClockMicros % 1_000_000).padStart(6, '0')}`;
    }
    tsCounter += 1;
    const seconds = 1_700_000_000 + Math.floor(tsCounter / 10_000);
    const micros = (tsCounter % 10_000) * 100;
    return `${seconds}.${String(micros).padStart(6, '0')}`;
  };
  const nextViewId = (): string => {
    viewCounter += 1;
    return `V${pad(viewCounter)}`;
  };
  const nextHash = (): string => {
    hashCounter += 1;
    return `h-${hashCounter}`;
  };

  const viewResult = (call: FakeSlackCall, id: string): Record<string, unknown> => {
    const view: unknown = call.args.view;
    const parsed = view !== null && typeof view === 'object' ? (view as Record<string, unknown>) : {};
    return {
      view: { ...parsed, id, team_id: teamId, bot_id: botId, hash: nextHash(), state: { values: {} } },
    };
  };

  const builtIn: Record<string, FakeSlackHandler> = {
    'auth.test': () => ({
      url: 'https://acme.slack.com/',
      team: 'acme',
      user_id: botUserId,
      bot_id: botId,
      team_id: teamId,
      user: 'smsops',
    }),
    'chat.postMessage': ({ args }) => {
      const ts = nextTs();
      const message: Record<string, unknown> = {
        type: 'message',
        user: botUserId,
        bot_id: botId,
        ts,
        text: args.text,
        blocks: args.blocks,
      };
      if (args.thread_ts !== undefined) message.thread_ts = args.thread_ts;
      return { channel: args.channel, ts, message };
    },
    'chat.postEphemeral': () => ({ message_ts: nextTs() }),
    'chat.update': ({ args }) => ({
      channel: args.channel,
      ts: args.ts,
      text: args.text,
      message: { text: args.text, blocks: args.blocks },
    }),
    'chat.delete': ({ args }) => ({ channel: args.channel, ts: args.ts }),
    'views.open': (call) => viewResult(call, nextViewId()),
    'views.push': (call) => viewResult(call, nextViewId()),
    'views.update': (call) => viewResult(call, str(call.args.view_id) ?? nextViewId()),
    'views.publish': (call) => {
      const user = str(call.args.user_id) ?? '';
      let id = homeViewIds.get(user);
      if (id === undefined) {
        id = nextViewId();
        homeViewIds.set(user, id);
      }
      return viewResult(call, id);
    },
    // The name of a channel seeded with `seedChannels`; others have none here (tests of a nameless answer).
    'conversations.info': ({ args }) => {
      const known = channels.find((c) => c.id === args.channel);
      return {
        channel: {
          id: args.channel,
          is_member: true,
          ...(known
            ? {
                name: known.name,
                name_normalized: known.name,
                is_archived: Boolean(known.is_archived),
                is_ext_shared: Boolean(known.is_ext_shared),
                // Slack sets is_shared on every shared channel, one shared with another organisation included.
                is_shared: Boolean(known.is_ext_shared),
              }
            : {}),
        },
      };
    },
    'users.info': ({ args }) => {
      const id = str(args.user) ?? '';
      if (!/^[UW][A-Z0-9]+$/.test(id)) return { ok: false, error: 'user_not_found' };
      const role = users.get(id) ?? {};
      return {
        user: {
          id,
          team_id: role.external === true || role.stranger === true ? EXTERNAL_TEAM_ID : teamId,
          name: id.toLowerCase(),
          real_name: role.realName ?? '',
          profile: { display_name: role.displayName ?? '', real_name: role.realName ?? '' },
          deleted: role.deleted === true,
          is_bot: role.bot === true,
          is_admin: role.admin === true,
          is_owner: role.owner === true || role.primaryOwner === true,
          is_primary_owner: role.primaryOwner === true,
          is_restricted: role.guest === true || role.guest === 'single-channel',
          is_ultra_restricted: role.guest === 'single-channel',
          ...(role.stranger === true ? { is_stranger: true } : {}),
        },
      };
    },
    // Paged like Slack: `limit` (default 100) per page, an opaque `next_cursor` ('' on the last page).
    'conversations.members': ({ args }) => {
      const all = channelMembers.get(str(args.channel) ?? '') ?? [];
      const limit = Math.max(1, Math.min(1000, Number(str(args.limit) ?? 100) || 100));
      const offset = /^off:(\d+)$/.exec(str(args.cursor) ?? '')?.[1];
      const start = offset === undefined ? 0 : Number(offset);
      const end = start + limit;
      return { members: all.slice(start, end), response_metadata: { next_cursor: end < all.length ? `off:${end}` : '' } };
    },
    'conversations.join': ({ args }) => ({ channel: { id: args.channel, is_member: true } }),
    // The bot's channels: those seeded with `seedChannels` (conversations.info says it is in every channel), paged alike.
    'users.conversations': (call) => builtIn['conversations.list']?.(call) ?? {},
    'conversations.list': ({ args }) => {
      const types = (str(args.types) ?? 'public_channel').split(',');
      const listed = channels.filter(
        (c) =>
          types.includes(c.is_private ? 'private_channel' : 'public_channel') &&
          !(c.is_archived && String(args.exclude_archived) === 'true'),
      );
      const start = Number(str(args.cursor)?.replace(/^page:/, '') ?? 0) || 0;
      const size = Math.min(channelPageSize, Number(str(args.limit) ?? 100) || 100);
      const page = listed.slice(start, start + size);
      const next = start + size < listed.length ? `page:${start + size}` : '';
      return {
        channels: page.map((c) => ({
          id: c.id,
          name: c.name,
          name_normalized: c.name,
          is_channel: !c.is_private,
          is_group: Boolean(c.is_private),
          is_private: Boolean(c.is_private),
          is_archived: Boolean(c.is_archived),
          is_ext_shared: Boolean(c.is_ext_shared),
        })),
        response_metadata: { next_cursor: next },
      };
    },
    'files.getUploadURLExternal': () => {
      fileCounter += 1;
      const fileId = `F${fileCounter}`;
      return { upload_url: `${origin}/upload/${fileId}`, file_id: fileId };
    },
    'files.completeUploadExternal': ({ args }) => {
      const files: unknown = args.files;
      const list = Array.isArray(files) ? (files as Array<Record<string, unknown>>) : [];
      return { files: list.map((file) => ({ id: file.id, title: file.title })) };
    },
  };

  const handleApi = async (req: IncomingMessage, res: ServerResponse, url: URL, method: string): Promise<void> => {
    const body = await readBody(req, BODY_LIMIT);
    if (body === null) {
      sendJson(res, 413, { ok: false, error: 'request_too_large' });
      return;
    }
    let args: Record<string, unknown>;
    try {
      args = await parseArgs(req, body, url);
    } catch {
      args = { _raw: body.toString('utf8') };
    }
    const token = bearerToken(req) ?? str(args.token);
    const call: FakeSlackCall = { method, token, args, at: Date.now() };
    calls.push(call);
    const hung = hangs.get(method);
    if (hung?.matches(call)) await hung.released;
    const answer = (status: number, result: Record<string, unknown>, headers: Record<string, string> = {}) => {
      call.result = result;
      options.onRecord?.({ kind: 'call', call });
      const dated = clockOffsetMs === 0 ? headers : { date: new Date(Date.now() + clockOffsetMs).toUTCString(), ...headers };
      sendJson(res, status, result, botScopes ? { 'x-oauth-scopes': botScopes.join(','), ...dated } : dated);
    };

    const limit = rateLimits.get(method);
    if (limit !== undefined && limit.remaining > 0) {
      limit.remaining -= 1;
      if (limit.remaining === 0) rateLimits.delete(method);
      call.rateLimited = true;
      call.error = 'ratelimited';
      answer(429, { ok: false, error: 'ratelimited' }, { 'retry-after': String(limit.retryAfter) });
      return;
    }
    if (token === undefined || !TOKEN_PATTERN.test(token)) {
      call.error = 'not_authed';
      answer(200, { ok: false, error: 'not_authed' });
      return;
    }
    const queued = failures.get(method);
    const failure = queued?.shift();
    if (queued !== undefined && queued.length === 0) failures.delete(method);
    if (failure !== undefined) {
      call.error = failure;
      answer(200, { ok: false, error: failure });
      return;
    }
    const overLimit =
      limits === undefined
        ? undefined
        : MESSAGE_METHODS.has(method)
          ? blockLimitError(args.blocks, limits)
          : VIEW_METHODS.has(method)
            ? viewLimitError(args.view)
            : undefined;
    if (overLimit !== undefined) {
      call.error = overLimit;
      answer(200, { ok: false, error: overLimit });
      return;
    }
    const handler = overrides.get(method) ?? options.handlers?.[method] ?? builtIn[method];
    const result = handler?.(call) ?? {};
    if (result.ok === false && typeof result.error === 'string') call.error = result.error;
    answer(200, { ok: true, ...result });
  };

  const handleUpload = async (req: IncomingMessage, res: ServerResponse, fileId: string): Promise<void> => {
    const body = await readBody(req, BODY_LIMIT);
    if (body === null) {
      sendText(res, 413, 'too large');
      return;
    }
    const contentType = req.headers['content-type'] ?? '';
    let upload: FakeSlackUpload = { fileId, bytes: body };
    if (contentType.startsWith('multipart/form-data')) {
      const parts = await parseMultipart(contentType, body);
      const file = parts.find(([, value]) => Buffer.isBuffer(value)) ?? parts[0];
      if (file !== undefined) {
        const [, value, filename] = file;
        upload = { fileId, bytes: Buffer.isBuffer(value) ? value : Buffer.from(value, 'utf8') };
        if (filename !== undefined) upload.filename = filename;
      }
    }
    uploads.push(upload);
    options.onRecord?.({ kind: 'upload', upload });
    sendText(res, 200, 'OK');
  };

  const handleResponse = async (req: IncomingMessage, res: ServerResponse, path: string): Promise<void> => {
    const raw = await readBody(req, BODY_LIMIT);
    if (raw === null) {
      sendText(res, 413, 'too large');
      return;
    }
    const text = raw.toString('utf8');
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {
      // Keep the raw text.
    }
    // A response_url post over Slack's limits is refused as Slack refuses it (HTTP 400, the error as the body): the
    // person sees nothing of it, so it is not among the `responses`.
    const blocks = body !== null && typeof body === 'object' ? (body as { blocks?: unknown }).blocks : undefined;
    const overLimit = limits === undefined ? undefined : blockLimitError(blocks, limits);
    if (overLimit !== undefined) {
      sendText(res, 400, overLimit);
      return;
    }
    const response: FakeSlackResponse = { path, body };
    responses.push(response);
    options.onRecord?.({ kind: 'response', response });
    sendText(res, 200, 'ok');
  };

  type Route = (req: IncomingMessage, res: ServerResponse, url: URL, params: Record<string, string>) => Promise<void>;
  const router = new Router<Route>()
    .add('*', '/api/:method', (req, res, url, { method = '' }) => handleApi(req, res, url, method))
    .add('POST', '/upload/:fileId', (req, res, _url, { fileId = '' }) => handleUpload(req, res, fileId))
    .add('POST', '/response/*', (req, res, url) => handleResponse(req, res, url.pathname));
  const server = await startStandInServer(async (req, res) => {
    const url = new URL(req.url ?? '/', origin || 'http://127.0.0.1');
    const match = router.match(req.method ?? 'GET', url.pathname);
    if (!match.handler) {
      sendText(res, 404, 'not found');
      return;
    }
    try {
      await match.handler(req, res, url, match.params);
    } catch (error) {
      // The test that drove the call sees why the fake failed, instead of a bare 500.
      if (res.headersSent) res.end();
      else sendText(res, 500, String(error));
    }
  });
  origin = server.url;

  const callsTo = (method: string): FakeSlackCall[] => calls.filter((call) => call.method === method);

  const poll = async <T>(ready: () => T | undefined, timeoutMs: number, describe: () => string): Promise<T> => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const value = ready();
      if (value !== undefined) return value;
      if (Date.now() >= deadline) throw new Error(describe());
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  };

  const seen = (): string => {
    const counts = new Map<string, number>();
    for (const call of calls) counts.set(call.method, (counts.get(call.method) ?? 0) + 1);
    return counts.size === 0 ? '(none)' : [...counts].map(([method, n]) => `${method} x${n}`).join(', ');
  };

  return {
    url: `${origin}/api/`,
    responseUrl: `${origin}/response/`,
    calls,
    responses,
    uploads,
    callsTo,
    waitFor: (method, count = 1, timeoutMs = 5000) =>
      poll(
        () => {
          const matching = callsTo(method).filter((call) => !call.rateLimited);
          return matching.length >= count ? matching : undefined;
        },
        timeoutMs,
        () =>
          `fake Slack: timed out after ${timeoutMs} ms waiting for ${count} call(s) to ${method} ` +
          `(got ${callsTo(method).filter((call) => !call.rateLimited).length}); methods seen: ${seen()}`,
      ),
    waitForResponses: (count = 1, timeoutMs = 5000) =>
      poll(
        () => (responses.length >= count ? responses : undefined),
        timeoutMs,
        () => `fake Slack: timed out after ${timeoutMs} ms waiting for ${count} response_url post(s) (got ${responses.length})`,
      ),
    rateLimit: (method, retryAfterSeconds, times = 1) => {
      if (times > 0) rateLimits.set(method, { retryAfter: retryAfterSeconds, remaining: times });
      else rateLimits.delete(method);
    },
    failNext: (method, error) => {
      const queued = failures.get(method) ?? [];
      queued.push(error);
      failures.set(method, queued);
    },
    enforceLimits: (on = true) => {
      limits = on === false ? undefined : on === true ? 12_000 : on.blockText;
    },
    hang: (method, matches = () => true) => {
      let release = () => {};
      const released = new Promise<void>((resolve) => {
        release = resolve;
      });
      const hung = { matches, released };
      hangs.set(method, hung);
      return () => {
        if (hangs.get(method) === hung) hangs.delete(method);
        release();
      };
    },
    handle: (method, handler) => {
      if (handler === undefined) overrides.delete(method);
      else overrides.set(method, handler);
    },
    seedChannels: (added, seedOptions = {}) => {
      channels.push(...added);
      if (seedOptions.pageSize !== undefined) channelPageSize = Math.max(1, seedOptions.pageSize);
    },
    seedUser: (userId, role) => {
      users.set(userId, role);
    },
    setBotScopes: (scopes) => {
      botScopes = scopes ? [...scopes] : undefined;
    },
    setClockOffset: (offsetMs) => {
      clockOffsetMs = offsetMs;
    },
    setChannelMembers: (channel, members) => {
      channelMembers.set(channel, [...members]);
    },
    nextTs,
    reset: () => {
      calls.length = 0;
      responses.length = 0;
      uploads.length = 0;
      rateLimits.clear();
      failures.clear();
      overrides.clear();
    },
    close: () => server.close(),
  };
}
