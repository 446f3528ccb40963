import { isUtf8 } from 'node:buffer';
import type { z } from 'zod';
import { parseIsoTime } from '../core/isoTime.js';
import { isNationalForm, nationalSenderDigits } from '../core/phone.js';
import { wellFormed } from '../core/text.js';
import { AppError, err, ok, type Result } from '../errors.js';
import {
  deliveryReportIntakeSchema,
  documentedDeliveryReportSchema,
  documentedInboundMessageSchema,
  inboundMessageIntakeSchema,
  phoneDigits,
  usableIdentifier,
} from '../wavix/webhookSchemas.js';
import { loggedMessageId } from './loggedMessageId.js';

/**
 * Reading a Wavix webhook body leniently: refused only when smsops could not relay it (not JSON, not an object, no
 * usable message_id/to, or for a delivery report message_id/status). Anything else that differs from Wavix's
 * description (a field missing, null, of another type, unknown) is a schema warning and the value falls back.
 */

/** At most this many problems are kept per webhook (a hostile body could have thousands of unknown keys). */
const MAX_WARNINGS = 20;
const MAX_PATH = 60;

export interface InboundFields {
  messageId: string;
  /** As sent; a phone number in Wavix's digits form (an alphanumeric sender stays as it is); '' when none was given. */
  from: string;
  /** Wavix's digits form. */
  to: string;
  messageType: 'sms' | 'mms';
  text: string;
  media: string[] | null;
  receivedAtText: string;
  /** Wavix's received_at parsed; null when it is not a date-time (the caller falls back to its own clock). */
  receivedAt: number | null;
}

export interface DeliveryReportFields {
  messageId: string;
  status: string;
  from: string;
  to: string;
  error: string | null;
  segments: number | null;
  /** The tag the message was sent with: a reply's names its Slack message (core/conversations/replyTag.ts). */
  tag: string | null;
}

export type Intake<T> = Result<{ fields: T; warnings: string[] }, WebhookRejection>;

/** What kind of body was refused, as a log line or a label may say it (a fixed set). */
export type WebhookRejectionCode = 'malformed_json' | 'not_an_object' | 'unusable_fields' | 'delivery_report' | 'inbound_message';

/** Why readInboundMessage gave up on a body: it is a delivery report (never refused: the ingest takes it as one). */
const DELIVERY_REPORT_ON_INBOUND =
  'a delivery report (a status, no message_body or received_at) posted to the inbound SMS webhook';
/** Why readDeliveryReport gave up on a body: it is an SMS (never refused: the relay takes it as one). */
const INBOUND_MESSAGE_ON_DLR = 'an inbound SMS (a message_body, no status) posted to the delivery report webhook';

/** A webhook body smsops refuses: the reason goes back to the caller (HTTP 400) and the request is kept for inspection. */
export class WebhookRejection extends AppError {
  readonly reason: string;
  readonly code: WebhookRejectionCode;
  /** The body's message_id, when one could be read: what the refusal is traced by in the log. */
  readonly messageId: string | null;

  constructor(reason: string, code: WebhookRejectionCode = 'unusable_fields', messageId: string | null = null) {
    super(`webhook rejected: ${reason}`, reason);
    this.name = 'WebhookRejection';
    this.reason = reason;
    this.code = code;
    // Carried for the log only (a refused body may hold anything there): cut as every logged id is.
    this.messageId = loggedMessageId(messageId);
  }
}

// V8's messages quote the body ("Unexpected token 'H', "Hi, it's Bob" is not JSON"): an SMS text must not end up in
// a reason (answered, kept, perhaps logged), so only where it broke is said.
export function jsonErrorWithoutContent(text: string, error: unknown): string {
  if (text.trim() === '') return 'the body is empty';
  // A reviver walks the parsed value recursively: thousands of nested levels exhaust the stack before the JSON is judged.
  if (error instanceof RangeError) return 'the body is nested too deeply';
  const message = error instanceof Error ? error.message : '';
  if (/end of (JSON|data) input/i.test(message)) return 'the body ends before the JSON does';
  const position = /at position (\d+)/.exec(message)?.[1];
  return position === undefined ? 'the body is not JSON' : `unexpected character at position ${position}`;
}

function parseJsonObject(body: Buffer): Result<{ json: Record<string, unknown>; warnings: string[] }, WebhookRejection> {
  let text = body.toString('utf8');
  const warnings: string[] = [];
  // Read with replacement characters (what is shown may differ); PortSIP still gets the bytes as they came.
  if (!isUtf8(body)) warnings.push('body is not valid UTF-8');
  if (text.charCodeAt(0) === 0xfeff) {
    // A byte-order mark is not JSON, but it hides nothing: read past it (the bytes relayed stay as they came).
    text = text.slice(1);
    warnings.push('body starts with a byte-order mark');
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    return err(new WebhookRejection(`malformed JSON: ${jsonErrorWithoutContent(text, error)}`, 'malformed_json'));
  }
  if (json === null || typeof json !== 'object' || Array.isArray(json)) {
    return err(
      new WebhookRejection(
        `the body is ${Array.isArray(json) ? 'an array' : `JSON ${json === null ? 'null' : typeof json}`}, not an object`,
        'not_an_object',
      ),
    );
  }
  return ok({ json: json as Record<string, unknown>, warnings });
}

const clipPath = (path: string) => (path.length > MAX_PATH ? `${path.slice(0, MAX_PATH)}…` : path);
const pathText = (path: readonly PropertyKey[]) => clipPath(path.map(String).join('.'));

function valueAt(json: unknown, path: readonly PropertyKey[]): unknown {
  let node = json;
  for (const key of path) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<PropertyKey, unknown>)[key];
  }
  return node;
}

const kindOf = (value: unknown): string =>
  value === undefined ? 'missing' : value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value;

/**
 * One line per difference from the description, e.g. `message_type null`, `segments_count string, expected number`,
 * `extra unknown field`, `status "queued" is not documented`. Values are named only for enums (message_type, status):
 * never an SMS text or a number.
 */
export function describeIssues(issues: readonly z.core.$ZodIssue[], json: unknown): string[] {
  const lines: string[] = [];
  // One line per field: zod goes on checking a value of the wrong type (a string's length against an array's max).
  const described = new Set<string>();
  for (const issue of issues) {
    const at = pathText(issue.path);
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) lines.push(`${clipPath(at ? `${at}.${key}` : key)} unknown field`);
      continue;
    }
    if (described.has(at)) continue;
    described.add(at);
    const value = valueAt(json, issue.path);
    const kind = kindOf(value);
    if (kind === 'missing' || kind === 'null') {
      lines.push(`${at} ${kind}`);
    } else if (typeof value === 'string' && !/\S/.test(value)) {
      // Not zod's "Invalid string: must match pattern /\S/": what /sms relay status lists should read as words.
      lines.push(`${at} blank`);
    } else if (issue.code === 'invalid_type') {
      lines.push(`${at} ${kind}, expected ${issue.expected}`);
    } else if (issue.code === 'invalid_value' && typeof value === 'string') {
      lines.push(`${at} ${JSON.stringify(value.slice(0, 30))} is not documented`);
    } else {
      lines.push(`${at} ${issue.message.replace(/^Invalid input: /, '')}`);
    }
  }
  return lines;
}

const bounded = (warnings: string[]) =>
  warnings.length > MAX_WARNINGS
    ? [...warnings.slice(0, MAX_WARNINGS - 1), `… and ${warnings.length - MAX_WARNINGS + 1} more`]
    : warnings;

function refusal(kind: string, issues: readonly z.core.$ZodIssue[], json: Record<string, unknown>): WebhookRejection {
  const problems = issues
    .slice(0, 5)
    .map((issue) => `${pathText(issue.path) || 'body'}: ${issue.message}`)
    .join('; ');
  return new WebhookRejection(`not a usable Wavix ${kind}: ${problems}`, 'unusable_fields', usableIdentifier(json.message_id));
}

/** Fields only a delivery report has (current and older descriptions); an SMS never carries one of them. */
const REPORT_ONLY_FIELDS = ['sent', 'delivered', 'segments_count', 'segments', 'charge', 'carrier_fees'] as const;

/**
 * A body at the inbound URL that is a delivery report: a status, a report's own fields, and neither an SMS's text nor
 * its received_at. A status alone is not enough: an SMS whose text came under another name and that merely carried a
 * status was taken for a report, answered 200 and never relayed (a probe), where PortSIP gets its bytes as they came.
 */
const isDeliveryReportShaped = (json: Record<string, unknown>): boolean =>
  typeof json.status === 'string' &&
  'message_id' in json &&
  !('message_body' in json) &&
  !('received_at' in json) &&
  REPORT_ONLY_FIELDS.some((field) => field in json);

/** Reads an InboundMessage webhook body. */
export function readInboundMessage(body: Buffer): Intake<InboundFields> {
  const parsedJson = parseJsonObject(body);
  if (!parsedJson.ok) return parsedJson;
  const { json } = parsedJson.value;
  const warnings = parsedJson.value.warnings;

  // The common case: exactly as documented, one parse.
  const documented = documentedInboundMessageSchema.safeParse(json);
  let to = documented.success ? phoneDigits(documented.data.to) : null;
  let message: {
    message_id: string;
    from: string;
    message_type?: unknown;
    message_body: { text: string; media: string[] | null };
    received_at: string;
  };
  if (documented.success && to !== null) message = documented.data;
  else {
    // Wavix's DLR webhook pointed at smsops' inbound URL (pasted into the portal's wrong field: both end with the same
    // secret): each report of a reply was stored as an SMS from the team's own number, posted to Slack and relayed to
    // PortSIP, and the reply never learnt its outcome (a probe). Read only here, off the documented SMS's path.
    if (isDeliveryReportShaped(json))
      return err(new WebhookRejection(DELIVERY_REPORT_ON_INBOUND, 'delivery_report', usableIdentifier(json.message_id)));
    const intake = inboundMessageIntakeSchema.safeParse(json);
    if (!intake.success) return err(refusal('InboundMessage', intake.error.issues, json));
    message = intake.data;
    to = intake.data.to;
    if (!documented.success) warnings.push(...describeIssues(documented.error.issues, json));
  }

  const { text, media } = message.message_body;
  // A date that does not exist (2026-02-29) or an absurd year is as unreadable as no date: warned, and the caller
  // takes its own clock rather than a day V8 would roll it over to.
  const receivedAt = parseIsoTime(message.received_at);
  if (receivedAt === null && typeof json.received_at === 'string') warnings.push('received_at is not a date-time');
  return ok({
    fields: {
      messageId: message.message_id,
      // An alphanumeric sender is made well-formed like the text (below): stored as sent, a lone surrogate was read
      // back as three U+FFFD and shown so. A number in national form is read in the country of the number it texted:
      // its digits alone, taken for Wavix's international digits, name another country's number, which a reply would
      // then go to; kept as sent when it is no number there (a reply to it is refused).
      from: isNationalForm(message.from)
        ? (nationalSenderDigits(message.from, to) ?? wellFormed(message.from))
        : (phoneDigits(message.from) ?? wellFormed(message.from)),
      to,
      // message_type is not in the current description: a media list decides (as Wavix says of sending), and an
      // explicit "mms" is believed.
      messageType: message.message_type === 'mms' || (media !== null && media.length > 0) ? 'mms' : 'sms',
      // Made well-formed once, here, for what smsops stores and shows (SQLite would read a lone surrogate back as
      // three U+FFFD); the raw body relayed to PortSIP keeps the bytes as they came.
      text: wellFormed(text),
      media,
      receivedAtText: message.received_at,
      receivedAt,
    },
    warnings: warnings.length === 0 ? warnings : bounded(warnings),
  });
}

/** Reads a DeliveryReport webhook body. */
export function readDeliveryReport(body: Buffer): Intake<DeliveryReportFields> {
  const parsedJson = parseJsonObject(body);
  if (!parsedJson.ok) return parsedJson;
  const { json } = parsedJson.value;
  const warnings = parsedJson.value.warnings;

  let fields: DeliveryReportFields;
  const documented = documentedDeliveryReportSchema.safeParse(json);
  if (documented.success) {
    const d = documented.data;
    fields = {
      messageId: d.message_id,
      status: d.status,
      from: d.from,
      to: d.to,
      error: d.error ?? null,
      segments: d.segments_count ?? d.segments ?? null,
      tag: d.tag ?? null,
    };
  } else {
    // The inbound SMS webhook pointed at smsops' DLR URL (a URL pasted into the wrong field): each SMS was refused
    // ("status: missing") and lost (a probe). Read only here, off the documented report's path.
    if (!('status' in json) && typeof json.message_body === 'object' && 'message_id' in json)
      return err(new WebhookRejection(INBOUND_MESSAGE_ON_DLR, 'inbound_message', usableIdentifier(json.message_id)));
    const intake = deliveryReportIntakeSchema.safeParse(json);
    if (!intake.success) return err(refusal('DeliveryReport', intake.error.issues, json));
    const d = intake.data;
    fields = {
      messageId: d.message_id,
      status: d.status,
      from: d.from,
      to: d.to,
      error: d.error,
      segments: d.segments_count ?? d.segments ?? null,
      tag: d.tag,
    };
    warnings.push(...describeIssues(documented.error.issues, json));
  }
  if (json.segments_count === undefined && json.segments === undefined) warnings.push('segments_count missing');
  return ok({ fields, warnings: bounded(warnings) });
}
