import type { IncomingMessage, ServerResponse } from 'node:http';
import { parse } from 'node:querystring';
import { sendJson } from '../http/server.js';
import type { Logger } from '../log.js';
import { warnOncePerMinute } from '../logOncePerMinute.js';
import type { SlackRefusal } from './eventsGuard.js';
import { warnEventsRateLimited } from './eventsRateLimited.js';
import type { SlackRequestHandler } from './replayGuard.js';

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const userProblem = (type: string, body: Record<string, unknown>) =>
  isObject(body.user) && typeof body.user.id === 'string' ? undefined : `a ${type} payload without its user`;

/**
 * Slack's documented notice that it holds back events (over 30,000 an hour): a shape Bolt cannot route (no event), so
 * Bolt waited out its 3 s for a 404 and an error line. Answered here, in words, as in Socket Mode (./socketFrames.ts).
 */
const RATE_LIMITED = 'app_rate_limited';

/**
 * What is wrong with a signed /slack/events body in what Bolt reads before any listener runs (the payload's type, its
 * user, view, actions or event), or undefined. Slack never sends these shapes, but a hand-made payload did, and Bolt
 * threw on it: an empty 500 and an error line (a fuzzing probe: `view: null`, `actions: true`, `event: true`). Only
 * what Bolt reads is checked; the rest is the listeners' to judge. Bodies are parsed as Bolt parses them.
 */
export function slackPayloadProblem(raw: string, contentType: string | undefined): string | undefined {
  let body: unknown;
  if (contentType === 'application/x-www-form-urlencoded') {
    const form = parse(raw);
    if (form.ssl_check === '1') return undefined;
    if (form.command !== undefined) return commandPayloadProblem(form);
    if (typeof form.payload !== 'string') return 'neither a slash command nor an interaction payload';
    try {
      body = JSON.parse(form.payload);
    } catch {
      return 'the interaction payload is not JSON';
    }
  } else {
    try {
      body = JSON.parse(raw);
    } catch {
      return 'the body is not JSON';
    }
  }
  return payloadObjectProblem(body);
}

/**
 * What is wrong with a slash command's fields that smsops reads (`/sms`'s text, who typed it), or undefined. A text
 * that is not a string (a number over Socket Mode, a form with two `text` fields) threw in the command's parser after
 * no ack: Slack showed the person an error and smsops an error line with a bare TypeError.
 */
export function commandPayloadProblem(body: Record<string, unknown>): string | undefined {
  if (typeof body.command !== 'string') return 'a slash command without its command';
  if (typeof body.text !== 'string') return 'a slash command whose text is not text';
  if (typeof body.user_id !== 'string') return 'a slash command without its user';
  return undefined;
}

/**
 * What is wrong with a parsed payload in what Bolt reads before any listener runs, or undefined (see
 * slackPayloadProblem). Socket Mode's `interactive` and `events_api` envelopes carry the same payloads (./socketFrames.ts).
 */
export function payloadObjectProblem(body: unknown): string | undefined {
  if (!isObject(body)) return 'the payload is not a JSON object';
  const { type } = body;
  if (typeof type !== 'string') return 'the payload has no type';
  switch (type) {
    case 'app_rate_limited':
      return RATE_LIMITED;
    case 'event_callback':
      return isObject(body.event) && typeof body.event.type === 'string' ? undefined : 'an event_callback without its event';
    case 'block_actions':
      if (!Array.isArray(body.actions) || !body.actions.every(isObject)) return 'a block_actions payload without its actions';
      return userProblem(type, body);
    case 'view_submission':
    case 'view_closed':
      if (!isObject(body.view)) return `a ${type} payload without its view`;
      return userProblem(type, body);
    case 'block_suggestion':
      return userProblem(type, body);
    default:
      return undefined;
  }
}

/**
 * Refuses (400, with the reason) a signed body Bolt could not take, before Bolt does; counted as `malformed_payload`
 * and logged once a minute. Runs after the signature check, on the body it read.
 */
export function guardSlackPayloadShapes(
  options: { logger: Logger; onRefused?: (reason: SlackRefusal) => void },
  next: SlackRequestHandler,
): SlackRequestHandler {
  const malformed = warnOncePerMinute(
    options.logger,
    'signed Slack request refused: its payload is not of a shape Slack sends',
    {},
    { countField: 'refusedSinceLastWarning' },
  );
  return (req: IncomingMessage, res: ServerResponse) => {
    const raw = (req as IncomingMessage & { rawBody?: Buffer }).rawBody;
    const problem = raw === undefined ? undefined : slackPayloadProblem(raw.toString(), req.headers['content-type']);
    if (problem === undefined) return next(req, res);
    if (problem === RATE_LIMITED) {
      warnEventsRateLimited(options.logger);
      sendJson(res, 200, {});
      return;
    }
    malformed('', { problem });
    options.onRefused?.('malformed_payload');
    res.setHeader('connection', 'close');
    sendJson(res, 400, { error: problem });
  };
}
