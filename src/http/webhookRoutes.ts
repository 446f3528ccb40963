import type { IncomingMessage, ServerResponse } from 'node:http';
import { isTransientStoreError, storeErrorReason } from '../core/ports/storeErrors.js';
import type { WebhookRequest } from '../relay/ingest.js';
import type { RelayIntake, WebhookRoute } from '../relay/intake.js';
import { RELAY_USER_AGENT } from '../relay/portsip.js';
import type { RejectedWebhooksRepository } from '../store/repositories/rejectedWebhooks.js';
import { decodeContent } from './contentEncoding.js';
import { type Route, refuseUnwantedBody, sendJson } from './server.js';
import { createWebhookBodyBudget, SMALL_WEBHOOK_BODY_BYTES, type WebhookBodyBudget } from './webhookBodyBudget.js';
import { matchSecret, type OnPreviousSecret, type WebhookSecrets } from './webhookSecrets.js';

export const WEBHOOK_BODY_LIMIT = 256 * 1024;

type BodyRead =
  | { ok: true; body: Buffer }
  | { ok: false; size: number; excerpt: Buffer }
  | { ok: false; size: number; cut: true };

/**
 * Reads the body up to `limit` bytes; beyond it, stops keeping bytes (only an excerpt) and reports the size. A body
 * whose connection closed before it ended (Node's `Error: aborted`) is `cut`: the client's doing, with nobody left to
 * answer, not a failure of smsops.
 */
function readBody(
  req: IncomingMessage,
  limit: number,
  /** Told the size read so far at each chunk; false: no memory to read on (the read ends `busy`, the rest unread). */
  mayGrow?: (size: number) => boolean,
): Promise<BodyRead | { ok: false; busy: true }> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (mayGrow && !mayGrow(size)) {
        req.off('data', onData);
        chunks.length = 0;
        resolve({ ok: false, busy: true });
        return;
      }
      if (size <= limit) chunks.push(chunk);
    };
    req.on('data', onData);
    req.on('end', () => {
      const kept = Buffer.concat(chunks);
      resolve(size <= limit ? { ok: true, body: kept } : { ok: false, size, excerpt: kept });
    });
    req.on('error', (error) => (req.complete ? reject(error) : resolve({ ok: false, size, cut: true })));
  });
}

/**
 * What the gate made of a request: a body to handle, a refusal it answered, a 503 for want of memory to read it
 * (`busy`: answered, nothing stored), or a body cut short (nothing to answer).
 */
export type Admission =
  | { kind: 'admitted'; body: Buffer; contentType: string | null; matched: 'current' | number }
  | { kind: 'refused'; why: 'wrong_secret' | 'too_large' | 'undecodable' }
  | { kind: 'busy'; bytesInUse: number }
  | { kind: 'cut'; receivedBytes: number; declaredBytes: number | null };

export interface WebhookRouteDeps extends RelayIntake, WebhookSecrets {
  /**
   * WEBHOOK_SECRET_PREVIOUS_DLR: earlier secrets taken on the delivery report URL only (replies' callback URLs), so a
   * secret rotated out after a leak no longer posts SMS or STOPs while those reports still come.
   */
  dlrOnlySecrets?: readonly string[] | undefined;
  onPreviousSecret?: OnPreviousSecret | undefined;
  /** Shared with the 10DLC webhooks (one per process); a budget of its own when not given. */
  bodyBudget?: WebhookBodyBudget | undefined;
}

/**
 * A wrong secret is its own outcome: anyone can knock on the path, and those knocks must not read as Wavix's webhooks
 * being refused (`rejected`: a body smsops could not take). A steady rate of them is also what Wavix posting to an
 * old URL looks like after the secret changed.
 */
export const refusedOutcome = (why: 'wrong_secret' | 'too_large' | 'undecodable') =>
  why === 'wrong_secret' ? 'wrong_secret' : 'rejected';

/** The answer to smsops' own relay posting to this webhook (421 Misdirected Request: not the server meant). */
export const SELF_LOOP_REFUSAL =
  'this is smsops’ own webhook, not PortSIP: a route points back at smsops; set it to PortSIP’s URL with /sms route set';

/** Seconds Wavix is asked to wait before retrying a webhook smsops could not store (locked or full database). */
export const STORE_UNAVAILABLE_RETRY_AFTER_S = 5;

/** The answer when the bodies being read already hold the budget (./webhookBodyBudget.ts). */
export const BODY_BUDGET_REFUSAL = 'not stored, try again: smsops is reading too many large webhooks at once';

/** 503 with Retry-After, the body left unread: the connection closes after the answer, its bytes never held. */
function answerBusy(res: ServerResponse): void {
  const text = JSON.stringify({ error: BODY_BUDGET_REFUSAL });
  res.writeHead(503, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    'retry-after': String(STORE_UNAVAILABLE_RETRY_AFTER_S),
    connection: 'close',
  });
  res.end(text);
}

/**
 * The gate every Wavix webhook passes: the secret (404, as if the path did not exist, compared in constant time), then
 * the size (413, the refusal kept in rejected_webhooks), then its Content-Encoding, undone (./contentEncoding.ts). Answers when it refused; otherwise the body, unless the client
 * went away before sending all of it (then there is nobody to answer, and Wavix sends it again).
 */
export async function admitWebhook(
  req: IncomingMessage,
  res: ServerResponse,
  gate: WebhookSecrets & {
    given: string | undefined;
    route: WebhookRoute;
    rejected: RejectedWebhooksRepository;
    onPreviousSecret?: OnPreviousSecret | undefined;
    budget?: WebhookBodyBudget | undefined;
  },
): Promise<Admission> {
  const matched = matchSecret(gate.given ?? '', gate);
  if (matched === null) {
    refuseUnwantedBody(req, res, 404, { error: 'not found' });
    return { kind: 'refused', why: 'wrong_secret' };
  }
  // Said before the body is read: a rotation left half done is what the operator must hear of, whatever the body.
  if (matched !== 'current') gate.onPreviousSecret?.(gate.route, matched);
  const contentType = req.headers['content-type'] ?? null;
  const declared = Number(req.headers['content-length'] ?? 0);
  const { budget } = gate;
  const lengthKnown = req.headers['content-length'] !== undefined && Number.isFinite(declared);
  let mayGrow: ((size: number) => boolean) | undefined;
  if (budget && lengthKnown && declared > SMALL_WEBHOOK_BODY_BYTES) {
    // What reading it may hold: its declared length, or the most kept when declared larger. A usual SMS (declared at
    // most SMALL_WEBHOOK_BODY_BYTES) never waits for the budget (reserve would hold nothing), so it gets no 'close'
    // listener and release closure: the relay's hot path made one of each for every SMS.
    const release = budget.reserve(Math.min(declared, WEBHOOK_BODY_LIMIT));
    if (release === null) {
      answerBusy(res);
      return { kind: 'busy', bytesInUse: budget.inUse() };
    }
    // Held until the answer is out: the body is stored (or refused) only after it was read whole.
    res.once('close', release);
  } else if (budget && !lengthKnown) {
    // A body sent chunked (a proxy or tunnel forwarding it as it comes) took the most kept up front: 32 usual 1 KB SMS
    // at once held the 8 MB, and 24 of 64 were answered 503 where a Content-Length had them all taken (a probe). It
    // takes the budget once it is past the size of a usual SMS, as a declared one would.
    let reserved = false;
    mayGrow = (size) => {
      if (reserved || size <= SMALL_WEBHOOK_BODY_BYTES) return true;
      const release = budget.reserve(WEBHOOK_BODY_LIMIT);
      if (release === null) return false;
      reserved = true;
      res.once('close', release);
      return true;
    };
  }
  const read = await readBody(req, WEBHOOK_BODY_LIMIT, mayGrow);
  if (!read.ok && 'busy' in read) {
    answerBusy(res);
    return { kind: 'busy', bytesInUse: budget?.inUse() ?? 0 };
  }
  if (!read.ok && 'cut' in read) {
    return { kind: 'cut', receivedBytes: read.size, declaredBytes: req.headers['content-length'] ? declared : null };
  }
  if (!read.ok || declared > WEBHOOK_BODY_LIMIT) {
    const size = read.ok ? read.body.length : read.size;
    const reason = `body of ${size} bytes is over the ${WEBHOOK_BODY_LIMIT / 1024} KB limit`;
    gate.rejected.record({ route: gate.route, reason, contentType, body: read.ok ? read.body : read.excerpt, size });
    sendJson(res, 413, { error: reason });
    return { kind: 'refused', why: 'too_large' };
  }
  const encoding = req.headers['content-encoding'];
  if (encoding === undefined) return { kind: 'admitted', body: read.body, contentType, matched };
  const decoded = decodeContent(read.body, encoding, WEBHOOK_BODY_LIMIT);
  if (!decoded.ok) {
    gate.rejected.record({ route: gate.route, reason: decoded.reason, contentType, body: read.body, size: read.body.length });
    sendJson(res, decoded.status, { error: decoded.reason });
    return { kind: 'refused', why: decoded.status === 413 ? 'too_large' : 'undecodable' };
  }
  return { kind: 'admitted', body: decoded.body, contentType, matched };
}

/**
 * `POST /webhooks/wavix/{inbound,dlr}/:secret`: the secret is checked first (404, as if the path did not exist), then
 * the size (413), then the body (400 with the reason). A stored message answers 200 only after its transaction
 * committed: that 2xx is the promise to Wavix that the message survives a crash.
 */
export function webhookRoutes(deps: WebhookRouteDeps): Route[] {
  const budget = deps.bodyBudget ?? createWebhookBodyBudget();
  // Made once: the DLR route takes the DLR-only secrets after the others, told apart by their place in the list.
  const previous = deps.previousSecrets ?? [];
  const dlrOnly = deps.dlrOnlySecrets ?? [];
  const secretsOf = (route: WebhookRequest['route']) =>
    route === 'dlr' && dlrOnly.length > 0 ? [...previous, ...dlrOnly] : deps.previousSecrets;
  const previousFor = { inbound: secretsOf('inbound'), dlr: secretsOf('dlr') };
  const onPreviousSecret: OnPreviousSecret | undefined = deps.onPreviousSecret
    ? (route, i) =>
        i > previous.length
          ? deps.onPreviousSecret?.(route, i - previous.length, 'WEBHOOK_SECRET_PREVIOUS_DLR')
          : deps.onPreviousSecret?.(route, i)
    : undefined;
  const handle = async (
    route: WebhookRequest['route'],
    req: IncomingMessage,
    res: ServerResponse,
    secret: string | undefined,
  ) => {
    const started = process.hrtime.bigint();
    // smsops' relay posting here: a PortSIP route names this webhook. Taken, the SMS would be answered as a duplicate
    // and look delivered while PortSIP gets none; refused, the relay's attempts fail with this reason in words.
    if (
      req.headers['user-agent'] === RELAY_USER_AGENT &&
      matchSecret(secret ?? '', { secret: deps.secret, previousSecrets: previousFor[route] }) !== null
    ) {
      req.resume();
      sendJson(res, 421, { error: SELF_LOOP_REFUSAL });
      return;
    }
    const admitted = await admitWebhook(req, res, {
      secret: deps.secret,
      previousSecrets: previousFor[route],
      given: secret,
      route,
      rejected: deps.rejected,
      onPreviousSecret,
      budget,
    });
    if (admitted.kind === 'busy') {
      deps.onBusy?.(route, admitted.bytesInUse);
      return;
    }
    if (admitted.kind === 'cut') {
      deps.onBodyCut?.(route, { receivedBytes: admitted.receivedBytes, declaredBytes: admitted.declaredBytes });
      return;
    }
    if (admitted.kind === 'refused') {
      deps.onIngested?.(route, refusedOutcome(admitted.why));
      if (admitted.why !== 'wrong_secret') deps.onRefused?.(route, { code: admitted.why, reason: null, messageId: null });
      return;
    }
    const { body, contentType } = admitted;
    // Under a WEBHOOK_SECRET_PREVIOUS_DLR secret: delivery reports only. The DLR route takes an SMS posted to it as an
    // SMS (crossed webhooks), so without this the leaked secret's holder posted forged STOPs there: 200, opted out.
    const reportsOnly = route === 'dlr' && typeof admitted.matched === 'number' && admitted.matched > previous.length;
    const outcome = await deps.ingest[route]({ route, body, contentType, ...(reportsOnly ? { reportsOnly } : {}) });
    if (!outcome.ok) {
      deps.onIngested?.(route, 'rejected');
      const { code, reason, messageId } = outcome.error;
      deps.onRefused?.(route, { code, reason, messageId });
      sendJson(res, 400, { error: outcome.error.reason });
      return;
    }
    if (outcome.value.conflict) {
      // 200, not 409: Wavix sends again whatever is not 2xx, and a different body under a stored message_id will
      // never be stored, so a 4xx would only bring the same conflict back at each retry (until Wavix gives up, or
      // disables the webhook). It is kept in rejected_webhooks and counted instead; `conflict` says so to whoever reads.
      deps.onIngested?.(route, 'conflict');
      sendJson(res, 200, { ok: true, duplicate: true, conflict: true });
      return;
    }
    deps.onIngested?.(route, outcome.value.duplicate ? 'duplicate' : 'stored');
    sendJson(res, 200, { ok: true, duplicate: outcome.value.duplicate });
    deps.latency?.observe(Number(process.hrtime.bigint() - started) / 1e9);
  };

  const handler =
    (route: WebhookRequest['route']) => async (req: IncomingMessage, res: ServerResponse, params: Record<string, string>) => {
      if (deps.onAnswered) {
        const answered = deps.onAnswered;
        res.once('close', () => answered(route, res.writableFinished ? res.statusCode : 'aborted'));
      }
      try {
        await handle(route, req, res, params.secret);
      } catch (error) {
        deps.onStoreError?.(route, error);
        answerNotStored(req, res, error);
      }
    };
  return [
    { method: 'POST', path: '/webhooks/wavix/inbound/:secret', handler: handler('inbound') },
    { method: 'POST', path: '/webhooks/wavix/dlr/:secret', handler: handler('dlr') },
  ];
}

/**
 * The answer to a webhook whose storing (or the recording of its refusal) threw. Nothing was acknowledged: a 5xx tells
 * Wavix to send it again. A locked or full database passes by itself: 503 with Retry-After and the reason.
 */
export function answerNotStored(req: IncomingMessage, res: ServerResponse, error: unknown): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  req.resume();
  if (isTransientStoreError(error)) {
    const text = JSON.stringify({ error: `not stored, try again: ${storeErrorReason(error)}` });
    res.writeHead(503, {
      'content-type': 'application/json; charset=utf-8',
      'content-length': Buffer.byteLength(text),
      'retry-after': String(STORE_UNAVAILABLE_RETRY_AFTER_S),
    });
    res.end(text);
  } else sendJson(res, 500, { error: 'internal error: not stored, try again' });
}
