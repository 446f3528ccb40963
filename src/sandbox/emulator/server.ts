import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { describeError } from '../../errors.js';
import { type Logger, silentLogger } from '../../log.js';
import { sendAnswer } from '../http/answer.js';
import { readJsonBody } from '../http/body.js';
import { startStandInServer } from '../http/serve.js';
import { EmulatorClock } from './clock.js';
import { FaultInjector, type FaultRule } from './faults.js';
import { type EmulatorResponse, wavixError } from './http.js';
import { Router } from './router.js';
import { registerAdminRoutes } from './routes/admin.js';
import { registerMessageRoutes } from './routes/messages.js';
import { registerNumberRoutes } from './routes/numbers.js';
import { registerOptOutRoutes } from './routes/optOuts.js';
import { registerProfileRoutes } from './routes/profile.js';
import { registerSenderIdRoutes } from './routes/senderIds.js';
import { registerTenDlcRoutes } from './routes/tenDlc.js';
import { DEFAULT_REVIEW_DELAY_MS } from './rules.js';
import { seedState } from './seed.js';
import type { EmulatorState, ServedRequest } from './state.js';

export type { FaultRule } from './faults.js';

export const DEFAULT_EMULATOR_KEY = 'emulator-key-0123456789abcdef';

export interface StartWavixEmulatorOptions {
  host?: string;
  port?: number;
  apiKey?: string;
  seed?: 'default' | 'empty';
  /** Voice-only US DIDs added to the default seed, as on a PBX with hundreds of numbers (at most 500). */
  pbxDids?: number;
  /** Start time of the emulator's clock (ms); default: now. */
  startAt?: number;
  /** How long a manual Sender ID review takes on the emulator's clock; default 48 h. */
  reviewDelayMs?: number;
  /**
   * `/_emulator/…` (its state: every SMS and smsops' webhook URLs with their secret; injecting SMS) only with the API
   * key too. The sandbox asks for it: its console wants a token on a shared machine, and the emulator's port, on
   * loopback like the console's, let any local user read and inject around that token (a probe). Off by default for
   * `npm run emulator` and tests, which drive it with curl.
   */
  adminNeedsKey?: boolean;
  logger?: Logger;
}

export interface WavixEmulator {
  /** The Wavix API base URL, e.g. `http://127.0.0.1:41234` (no trailing slash). */
  url: string;
  apiKey: string;
  clock: { now(): number; advance(ms: number): Promise<void> };
  /** Live state, for assertions (numbers, Sender IDs, messages, webhook attempts…). */
  state(): EmulatorState;
  injectFault(rule: FaultRule): void;
  clearFaults(): void;
  requests(): ServedRequest[];
  close(): Promise<void>;
}

function keyMatches(given: string | null, expected: string): boolean {
  if (given === null) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Wavix takes `Authorization: Bearer <key>`, and the deprecated `?appid=<key>` still used by its older SDKs. */
function presentedKey(req: IncomingMessage, query: URLSearchParams): string | null {
  const header = req.headers.authorization;
  if (header?.startsWith('Bearer ')) return header.slice(7).trim();
  return query.get('appid');
}

export async function startWavixEmulator(options: StartWavixEmulatorOptions = {}): Promise<WavixEmulator> {
  const apiKey = options.apiKey ?? DEFAULT_EMULATOR_KEY;
  const seed = options.seed ?? 'default';
  const logger = options.logger ?? silentLogger;
  const reviewDelayMs = options.reviewDelayMs ?? DEFAULT_REVIEW_DELAY_MS;
  const clock = new EmulatorClock(options.startAt);
  const seedOptions = { pbxDids: options.pbxDids ?? 0 };
  let state = seedState(seed, clock, seedOptions);
  const faults = new FaultInjector();

  const router = new Router();
  registerAdminRoutes(router, { faults, seed, seedOptions, replaceState: (next) => (state = next) });
  // Sender IDs before messages: /v3/messages/:id would otherwise take "sender-ids" for a message id.
  registerSenderIdRoutes(router);
  registerOptOutRoutes(router);
  registerMessageRoutes(router);
  registerNumberRoutes(router);
  registerProfileRoutes(router);
  registerTenDlcRoutes(router);

  async function handle(req: IncomingMessage): Promise<EmulatorResponse> {
    const url = new URL(req.url ?? '/', 'http://emulator');
    const method = req.method ?? 'GET';
    const isAdmin = url.pathname.startsWith('/_emulator/');

    if (isAdmin && options.adminNeedsKey && !keyMatches(presentedKey(req, url.searchParams), apiKey)) {
      // Not Wavix's path, so not Wavix's bare "Unauthorized": a script or curl that drove it without a key until now
      // is told why and with what (a probe).
      return {
        status: 401,
        body: {
          success: false,
          error: true,
          message:
            'Unauthorized: /_emulator/ wants the API key here (Authorization: Bearer <key>), since this emulator listens beyond loopback or serves the sandbox',
        },
      };
    }
    let failure: EmulatorResponse | undefined;
    if (!isAdmin) {
      const fault = faults.take(method, url.pathname);
      if (fault?.latencyMs) await sleep(fault.latencyMs);
      if (fault?.status) {
        // Wavix's own error bodies where its description gives one, so a fault reads as Wavix would answer.
        const base =
          fault.status === 429
            ? wavixError.tooManyRequests()
            : fault.status >= 500
              ? wavixError.unavailable()
              : fault.status === 403
                ? wavixError.forbidden()
                : fault.status === 404
                  ? wavixError.notFound()
                  : { status: fault.status };
        failure = {
          status: fault.status,
          body: fault.body ?? base.body,
          ...(fault.retryAfterSeconds !== undefined ? { headers: { 'retry-after': String(fault.retryAfterSeconds) } } : {}),
        };
        if (!fault.afterActing) return failure;
      }
      if (fault?.body !== undefined && !failure) return { status: 200, body: fault.body };
      if (!keyMatches(presentedKey(req, url.searchParams), apiKey)) return wavixError.unauthorized();
    }

    const match = router.match(method, url.pathname);
    if (match.handler === undefined) {
      return match.pathKnown ? { status: 405, body: { success: false, message: 'Method not allowed' } } : wavixError.notFound();
    }
    const body = await readJsonBody(req);
    if (body.kind === 'tooLarge') return { status: 413, body: { success: false, message: 'Request body too large' } };
    if (body.kind === 'malformed') return wavixError.badRequest('body', 'Malformed JSON in request body');
    const value = body.kind === 'json' ? body.value : undefined;
    const answer = await match.handler({ state, params: match.params, query: url.searchParams, body: value, reviewDelayMs });
    return failure ?? answer;
  }

  const server = await startStandInServer(
    async (req, res) => {
      let response: EmulatorResponse;
      try {
        response = await handle(req);
      } catch (error) {
        logger.error('emulator request failed', { error: describeError(error) });
        sendAnswer(res, wavixError.unavailable());
        return;
      }
      const path = new URL(req.url ?? '/', 'http://emulator').pathname;
      const bytes = sendAnswer(res, response);
      if (!path.startsWith('/_emulator/')) {
        state.served.push({ method: req.method ?? 'GET', path, status: response.status, at: clock.now(), bytes });
      }
    },
    { host: options.host, port: options.port },
  );

  return {
    url: server.url,
    apiKey,
    clock: { now: () => clock.now(), advance: (ms) => clock.advance(ms) },
    state: () => state,
    injectFault: (rule) => faults.add(rule),
    clearFaults: () => faults.clear(),
    requests: () => [...state.served],
    close: () => server.close(),
  };
}
