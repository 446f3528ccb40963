import type { FakeSlackCall, FakeSlackRecord, FakeSlackResponse } from './fakeSlackApi.js';

/**
 * What the sandbox console shows, rebuilt from what smsops sent to the fake Slack: channel posts, replies only the
 * person sees, uploaded files, the open modal and the App Home tab. The console polls a snapshot of it.
 */

type Json = Record<string, unknown>;

export interface FeedItem {
  id: number;
  /**
   * `command`: what the person typed; `reply`: only visible to them (ephemeral, response_url); `message`: a post in a
   * channel or a direct message; `file`: an upload shared in a channel; `note`: the sandbox telling what it did.
   */
  kind: 'command' | 'reply' | 'message' | 'file' | 'note';
  at: number;
  /** Channel (or user, for a direct message) it was posted in; null for notes. */
  channel: string | null;
  /** Slack's message ts (a stand-in one for replies), so buttons and edits can name the message. */
  ts: string | null;
  threadTs: string | null;
  /** A thread reply Slack also shows in the channel (`reply_broadcast`). */
  broadcast?: boolean;
  text: string;
  /** command only: who typed it, when the console acts as someone other than "you". */
  by?: string;
  blocks: unknown[];
  edited: boolean;
  tone?: 'info' | 'error';
  file?: { id: string; title: string; filename: string; mimetype: string; size: number };
}

export interface ModalState {
  id: string;
  view: Json;
  hash: string;
  /** `response_action: errors` of the last submit: block_id → message. */
  errors: Record<string, string>;
  /** Changes with every update, so a late acknowledgement cannot undo a newer `views.update`. */
  version: number;
}

export interface FeedSnapshot {
  items: FeedItem[];
  modal: ModalState | null;
  home: { id: string; view: Json; version: number } | null;
}

export interface StoredFile {
  bytes: Buffer;
  filename: string;
  mimetype: string;
}

const MAX_ITEMS = 300;
const MAX_FILES = 50;

const isObject = (value: unknown): value is Json => value !== null && typeof value === 'object' && !Array.isArray(value);
const str = (value: unknown): string | null => (typeof value === 'string' ? value : null);
const blocksOf = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);

/** What a file's bytes are, from their first bytes: the console shows images, and offers everything else as a download. */
function mimetypeOf(bytes: Buffer): string {
  if (bytes.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))) return 'image/png';
  return 'application/octet-stream';
}

export interface ConsoleFeedOptions {
  responseUrlBase: string;
  now?: () => number;
  /**
   * The ts of what the person writes and of replies only they see (the sandbox passes the fake Slack's `nextTs`, so
   * they never equal a post's); default 1800000000.000001, .000002, ...
   */
  nextTs?: () => string;
}

export function createConsoleFeed(options: ConsoleFeedOptions) {
  const now = options.now ?? Date.now;
  const responsePathPrefix = new URL(options.responseUrlBase).pathname;
  let items: FeedItem[] = [];
  let modals: ModalState[] = [];
  let home: FeedSnapshot['home'] = null;
  const uploads = new Map<string, Buffer>();
  const uploadNames = new Map<string, string>();
  const files = new Map<string, StoredFile>();
  /**
   * response_url path → where a post to it appears: the channel of the command or action, and for an action the
   * message whose button was clicked (a post may replace or delete it).
   */
  const responseTargets = new Map<string, { channel: string | null; itemId: number | null }>();
  let nextId = 1;
  let version = 0;
  let standInTs = 0;
  let responseCounter = 0;

  const bump = () => {
    version += 1;
    return version;
  };

  const add = (item: Omit<FeedItem, 'id' | 'at' | 'edited' | 'threadTs' | 'blocks'> & Partial<FeedItem>): FeedItem => {
    const full: FeedItem = { id: nextId++, at: now(), edited: false, threadTs: null, blocks: [], ...item };
    items.push(full);
    if (items.length > MAX_ITEMS) items = items.slice(-MAX_ITEMS);
    bump();
    return full;
  };

  const nextStandInTs =
    options.nextTs ??
    (() => {
      standInTs += 1;
      return `1800000000.${String(standInTs).padStart(6, '0')}`;
    });

  const byId = (id: number) => items.find((item) => item.id === id);
  const byTs = (channel: unknown, ts: unknown) => items.find((item) => item.channel === channel && item.ts === ts);

  function onResponse(response: FakeSlackResponse): void {
    const body = isObject(response.body) ? response.body : { text: String(response.body) };
    const target = responseTargets.get(response.path);
    const original = target?.itemId == null ? undefined : byId(target.itemId);
    if (original && body.delete_original === true) {
      items = items.filter((item) => item !== original);
      bump();
      return;
    }
    if (original && body.replace_original === true) {
      original.text = str(body.text) ?? '';
      original.blocks = blocksOf(body.blocks);
      bump();
      return;
    }
    const inChannel = body.response_type === 'in_channel';
    add({
      kind: inChannel ? 'message' : 'reply',
      channel: target?.channel ?? null,
      ts: nextStandInTs(),
      text: str(body.text) ?? '',
      blocks: blocksOf(body.blocks),
    });
  }

  function completeUpload(args: Json): void {
    const shared = Array.isArray(args.files) ? args.files.filter(isObject) : [];
    for (const file of shared) {
      const id = str(file.id);
      if (!id) continue;
      const bytes = uploads.get(id) ?? Buffer.alloc(0);
      const filename = uploadNames.get(id) ?? id;
      const mimetype = mimetypeOf(bytes);
      files.set(id, { bytes, filename, mimetype });
      if (files.size > MAX_FILES) files.delete(files.keys().next().value ?? '');
      add({
        kind: 'file',
        channel: str(args.channel_id) ?? str(args.channel),
        ts: nextStandInTs(),
        threadTs: str(args.thread_ts),
        text: str(args.initial_comment) ?? '',
        file: { id, title: str(file.title) ?? filename, filename, mimetype, size: bytes.length },
      });
    }
  }

  function onView(call: FakeSlackCall, result: Json): void {
    const view = isObject(call.args.view) ? call.args.view : {};
    const answered = isObject(result.view) ? result.view : {};
    const id = str(answered.id) ?? str(call.args.view_id) ?? '';
    const hash = str(answered.hash) ?? '';
    if (call.method === 'views.publish') {
      home = { id, view, version: bump() };
      return;
    }
    if (call.method === 'views.update') {
      if (home?.id === id) {
        home = { id, view, version: bump() };
        return;
      }
      // Slack refuses to update a closed modal; the fake does not, so an update of a modal no longer open is dropped here.
      const modal = modals.find((m) => m.id === id);
      if (!modal) return;
      Object.assign(modal, { view, hash, errors: {}, version: bump() });
      return;
    }
    modals.push({ id, view, hash, errors: {}, version: bump() });
  }

  function onCall(call: FakeSlackCall): void {
    const result = call.result ?? {};
    if (result.ok !== true) return;
    const { args } = call;
    switch (call.method) {
      case 'chat.postMessage':
        add({
          kind: 'message',
          channel: str(args.channel),
          ts: str(result.ts),
          threadTs: str(args.thread_ts),
          ...(args.thread_ts && String(args.reply_broadcast) === 'true' ? { broadcast: true } : {}),
          text: str(args.text) ?? '',
          blocks: blocksOf(args.blocks),
        });
        return;
      case 'chat.postEphemeral':
        add({
          kind: 'reply',
          channel: str(args.channel),
          ts: str(result.message_ts),
          text: str(args.text) ?? '',
          blocks: blocksOf(args.blocks),
        });
        return;
      case 'chat.update': {
        const item = byTs(args.channel, args.ts);
        if (!item) return;
        item.text = str(args.text) ?? item.text;
        if (args.blocks !== undefined) item.blocks = blocksOf(args.blocks);
        item.edited = true;
        bump();
        return;
      }
      case 'chat.delete': {
        const item = byTs(args.channel, args.ts);
        if (!item) return;
        items = items.filter((i) => i !== item);
        bump();
        return;
      }
      case 'views.open':
      case 'views.push':
      case 'views.update':
      case 'views.publish':
        onView(call, result);
        return;
      case 'files.getUploadURLExternal': {
        const id = str(result.file_id);
        if (id) uploadNames.set(id, str(args.filename) ?? id);
        return;
      }
      case 'files.completeUploadExternal':
        completeUpload(args);
        return;
    }
  }

  return {
    /** Feeds one record of the fake Slack in (its `onRecord`). */
    record(record: FakeSlackRecord): void {
      if (record.kind === 'call') onCall(record.call);
      else if (record.kind === 'upload') uploads.set(record.upload.fileId, record.upload.bytes);
      else if (record.response.path.startsWith(responsePathPrefix)) onResponse(record.response);
    },

    addCommand(text: string, channel: string, by?: string): FeedItem {
      return add({ kind: 'command', channel, ts: nextStandInTs(), text, ...(by ? { by } : {}) });
    },

    /** What the person wrote in a thread (a reply to a relayed SMS); its ts is the one the message event carries. */
    addThreadMessage(text: string, channel: string, threadTs: string): FeedItem {
      return add({ kind: 'command', channel, ts: nextStandInTs(), threadTs, text });
    },

    /** A slash command's acknowledgement that carries the answer itself (help, usage). */
    addAcknowledgement(body: unknown, channel: string): void {
      if (!isObject(body) || (str(body.text) === null && !Array.isArray(body.blocks))) return;
      add({
        kind: body.response_type === 'in_channel' ? 'message' : 'reply',
        channel,
        ts: nextStandInTs(),
        text: str(body.text) ?? '',
        blocks: blocksOf(body.blocks),
      });
    },

    addNote(text: string, tone: 'info' | 'error' = 'info'): FeedItem {
      return add({ kind: 'note', channel: null, ts: null, text, tone });
    },

    item: byId,

    /**
     * A fresh response_url for a command or action in `channel`; for an action on a message (`itemId`), a later post
     * to it may replace or delete that message.
     */
    responseUrlFor(target: { channel: string | null; itemId?: number }): string {
      responseCounter += 1;
      const url = `${options.responseUrlBase}sandbox-${responseCounter}`;
      responseTargets.set(new URL(url).pathname, { channel: target.channel, itemId: target.itemId ?? null });
      return url;
    },

    modal(id: string): ModalState | undefined {
      return modals.find((m) => m.id === id);
    },

    home: () => home,

    /**
     * Applies what Bolt answered to a view submission, as Slack would: `errors` on the fields, `update` replaces the
     * form (unless a `views.update` already replaced it after the submission was sent), `push`, `clear`, or, with no
     * response_action, the modal closes.
     */
    applySubmissionAck(viewId: string, versionAtSend: number, ack: unknown): void {
      const modal = modals.find((m) => m.id === viewId);
      if (!modal) return;
      const body = isObject(ack) ? ack : {};
      switch (body.response_action) {
        case 'errors':
          modal.errors = isObject(body.errors)
            ? Object.fromEntries(Object.entries(body.errors).map(([block, message]) => [block, String(message)]))
            : {};
          bump();
          return;
        case 'update':
          if (modal.version === versionAtSend && isObject(body.view)) {
            Object.assign(modal, { view: body.view, errors: {}, version: bump() });
          }
          return;
        case 'push':
          if (isObject(body.view)) modals.push({ id: `VSB${nextId++}`, view: body.view, hash: '', errors: {}, version: bump() });
          return;
        case 'clear':
          modals = [];
          bump();
          return;
        default:
          modals = modals.filter((m) => m !== modal);
          bump();
      }
    },

    closeModal(viewId: string): void {
      modals = modals.filter((m) => m.id !== viewId);
      bump();
    },

    file: (id: string): StoredFile | undefined => files.get(id),

    /** Changes whenever anything shown changes. */
    version: () => version,

    snapshot(): FeedSnapshot {
      return { items, modal: modals.at(-1) ?? null, home };
    },
  };
}

export type ConsoleFeed = ReturnType<typeof createConsoleFeed>;
