import type { z } from 'zod';
import type { ExportEvent, ExportMessagesQuery, SentMessage, WavixMessage } from '../core/ports/wavix.js';
import { WavixError } from './errors.js';
import type { WavixRequester } from './http.js';
import { MAX_LINE_BYTES, type WavixLineStreamer } from './lineStream.js';
import { paginate } from './paginate.js';
import {
  exportedMessageSchema,
  messageListSchema,
  messageOrWrappedSchema,
  sentMessageSchema,
  type TaggedMessage,
  taggedMessageListSchema,
  taggedMessageOrWrappedSchema,
} from './schemas.js';

export interface SendMessageRequest {
  from: string;
  to: string;
  message_body: { text: string; media: string[] | null };
  callback_url?: string;
  validity?: number;
  tag?: string;
}

export interface ListMessagesQuery {
  type: 'inbound' | 'outbound';
  /** YYYY-MM-DD */
  sent_after?: string;
  sent_before?: string;
  from?: string;
  to?: string;
  status?: string;
  tag?: string;
  message_type?: 'sms' | 'mms';
  page?: number;
  per_page?: number;
}

const problemOf = (error: z.ZodError): string => {
  const issue = error.issues[0];
  return issue ? `field ${issue.path.length > 0 ? issue.path.join('.') : '(line)'}: ${issue.message}` : 'not a message';
};

/** A line of the export read as a message, or why it is none (never quoting it: it may hold an SMS's text). */
function readExportLine(text: string, line: number): ExportEvent | null {
  if (text.trim() === '') return null;
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { kind: 'malformed', line, problem: 'not JSON' };
  }
  const parsed = exportedMessageSchema.safeParse(json);
  return parsed.success
    ? { kind: 'message', message: parsed.data }
    : { kind: 'malformed', line, problem: problemOf(parsed.error) };
}

/** This many lines, none a message: the answer is no export (see noExport), whatever follows. */
const NO_EXPORT_AFTER_LINES = 1_000;

/**
 * `GET /v3/messages/all`, one event per line: a line that is not a message is skipped and said, never costing the
 * lines after it.
 */
async function* exportMessages(
  stream: WavixLineStreamer,
  query: ExportMessagesQuery,
  limits: { maxBytes: number; maxMs: number },
): AsyncGenerator<ExportEvent> {
  const operation = `export ${query.type} messages`;
  const lines = stream({ operation, path: '/v3/messages/all', query: { ...query }, ...limits });
  let messages = 0;
  let malformed = 0;
  let first: { line: number; problem: string } | null = null;
  // Not one line a message: no export at all (a JSON array, fields renamed), not a quiet window. Judged as one, the
  // window was read "whole" with no message in it and the failure rate judged from nothing.
  const noExport = (where: { line: number; problem: string }, lineCount: string) =>
    new WavixError({
      kind: 'invalid_response',
      operation,
      attempts: 1,
      detail: `${lineCount} of the export was a message (line ${where.line}: ${where.problem})`,
    });
  try {
    for (;;) {
      const next = await lines.next();
      if (next.done) {
        if (messages === 0 && first !== null) throw noExport(first, 'no line');
        const end = next.value;
        if (end.cut !== null) yield { kind: 'cut', by: end.cut, bytes: end.bytes, ms: end.ms };
        return;
      }
      const line = next.value;
      const event: ExportEvent | null =
        'tooLong' in line
          ? { kind: 'malformed', line: line.number, problem: `longer than ${MAX_LINE_BYTES / 1024 / 1024} MB` }
          : readExportLine(line.text, line.number);
      if (event === null) continue;
      if (event.kind === 'message') messages += 1;
      else if (event.kind === 'malformed') {
        first ??= { line: event.line, problem: event.problem };
        malformed += 1;
        // Told at once, not after reading the rest: a renamed field's 45 MB export was checked line by line, seconds
        // of CPU every run, to say the same.
        if (messages === 0 && malformed === NO_EXPORT_AFTER_LINES) throw noExport(first, `none of the first ${malformed} lines`);
      }
      yield event;
    }
  } finally {
    // A reader that stops early closes the connection.
    await lines.return({ cut: null, bytes: 0 });
  }
}

/** A look-up by tag reads pages of this size, this many at most (see `tagged`). */
const TAGGED_PER_PAGE = 100;
const TAGGED_PAGES = 5;

export function messagesApi(request: WavixRequester, stream: WavixLineStreamer) {
  const list = (query: ListMessagesQuery) =>
    request({
      operation: `list ${query.type} messages`,
      method: 'GET',
      path: '/v3/messages',
      query: { ...query },
      schema: messageListSchema,
    });
  return {
    send: (body: SendMessageRequest, options: { mayRetry?: () => boolean } = {}): Promise<SentMessage> =>
      // The operation's words reach logs and every reader of a refusal: the customer's number stays out of them.
      request({
        operation: 'send an SMS',
        method: 'POST',
        path: '/v3/messages',
        body,
        schema: sentMessageSchema,
        quotesRequest: true,
        ...(options.mayRetry ? { mayRetry: options.mayRetry } : {}),
      }),
    list,
    /**
     * The outbound messages sent with `tag` on the days from `sentAfter` to `sentBefore` (YYYY-MM-DD): `GET
     * /v3/messages` with `type=outbound` (required) and its `tag` filter ("supported for outbound messages only").
     * A tag names one reply, sent once, so one page of 100 is the rule; but Wavix may match a tag loosely or not at
     * all (undocumented), and the caller keeps only exact ones: further pages are read while the list says there are
     * more and the exact tag is not yet among them, TAGGED_PAGES at most. `complete`: every page was read, so a tag
     * not among `items` is not on Wavix's list; false, its absence says nothing (a probe: "no record" told of a reply
     * on the list's second page, its writer told to post it again).
     */
    tagged: async (
      tag: string,
      sentAfter: string,
      sentBefore: string,
    ): Promise<{ items: TaggedMessage[]; complete: boolean }> => {
      const items: TaggedMessage[] = [];
      for (let page = 1; page <= TAGGED_PAGES; page += 1) {
        const answer = await request({
          operation: 'look up a reply by its tag',
          method: 'GET',
          path: '/v3/messages',
          query: { type: 'outbound', tag, sent_after: sentAfter, sent_before: sentBefore, per_page: TAGGED_PER_PAGE, page },
          schema: taggedMessageListSchema,
        });
        items.push(...answer.items);
        const more = answer.pagination ? answer.pagination.total_pages > page : answer.items.length >= TAGGED_PER_PAGE;
        if (!more || answer.items.length === 0 || answer.items.some((message) => message.tag === tag)) {
          return { items, complete: true };
        }
      }
      return { items, complete: false };
    },
    export: (query: ExportMessagesQuery, limits: { maxBytes: number; maxMs: number }) => exportMessages(stream, query, limits),
    iterate: (query: Omit<ListMessagesQuery, 'page'>): AsyncGenerator<WavixMessage> =>
      paginate((page) => list({ per_page: 100, ...query, page }), { operation: `list ${query.type} messages` }),
    /**
     * One message as a look-up reads it (its id, tag, status, count, error), to confirm a reply's delivery report;
     * null when Wavix has no such message (404). Its text and numbers are not read.
     */
    record: async (id: string): Promise<TaggedMessage | null> => {
      try {
        return await request({
          operation: 'confirm a reply delivery report',
          method: 'GET',
          path: `/v3/messages/${encodeURIComponent(id)}`,
          schema: taggedMessageOrWrappedSchema,
        });
      } catch (error) {
        if (error instanceof WavixError && error.kind === 'not_found') return null;
        throw error;
      }
    },
    get: (id: string): Promise<WavixMessage> =>
      request({
        operation: `get message ${id}`,
        method: 'GET',
        path: `/v3/messages/${encodeURIComponent(id)}`,
        schema: messageOrWrappedSchema,
      }),
  };
}
