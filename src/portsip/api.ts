import axios, { type AxiosInstance, type AxiosResponse } from 'axios';
import { z } from 'zod';
import type { PortsipApi } from '../core/ports/portsip.js';
import { forgetSecret, type Logger, registerSecret } from '../log.js';
import {
  describeZodIssue,
  type Failure,
  networkFailure,
  PORTSIP_MAX_ANSWER_BYTES,
  PortsipError,
  statusFailure,
  tokenCallFailure,
} from './errors.js';
import { inboundRuleSchema, listSchema, providerSchema, smsConfigurationSchema, tokenResponseSchema } from './schemas.js';

export { PortsipError, type PortsipErrorKind } from './errors.js';

/**
 * A small client for the parts of PortSIP's REST API smsops reads: SMS/MMS configurations (their inbound webhook
 * URLs), inbound rules and trunks. Optional: smsops works without it; with it, setup can be proposed instead of typed.
 * The authority is /work/shared/portsip.md §3; where PortSIP documents nothing, comments say [?].
 */

/** PortSIP's documented OAuth client id: "The value is always 9d806019-…" (rest-apis/authentication.md). */
export const PORTSIP_OAUTH_CLIENT_ID = '9d806019-75b2-4b3d-bb8b-f5a3a412cc0a';

export interface PortsipApiOptions {
  /** The PBX web portal / REST address, e.g. `https://pbx.example.com:8887` (a trailing `/api` is tolerated). */
  baseUrl: string;
  username: string;
  password: string;
  /** A tenant user's SIP domain; unset for the system administrator. */
  domain?: string | undefined;
  logger: Logger;
  timeoutMs?: number;
  /** Items per list request (`top`, 1–100; PortSIP's default and maximum is 100). */
  pageSize?: number;
  now?: () => number;
}

type LoginForm = 'oauth' | 'json';

interface Session {
  accessToken: string;
  refreshToken: string | null;
  /** When to renew before PortSIP would refuse it; null when PortSIP did not say (then only a 401 renews it). */
  renewAt: number | null;
  form: LoginForm;
}

/** A list never runs away: 100 pages of 100 is far more configurations or rules than one PBX has. */
const MAX_PAGES = 100;
/** The most entries of one list read, whatever each page holds: MAX_PAGES of PortSIP's largest page. */
const MAX_LISTED = MAX_PAGES * 100;

/** A page's envelope with its entries unread, so their number is checked before each is parsed. */
const pageSchema = listSchema(z.unknown());

/** Axios' own reading of an answer (JSON parsing kept as the instance asks), after `counted` is told its size. */
const countingTransform = (counted: (bytes: number) => void) => [
  (data: unknown) => {
    if (typeof data === 'string') counted(Buffer.byteLength(data));
    return data;
  },
  ...[axios.defaults.transformResponse ?? []].flat(),
];

export function createPortsipApi(options: PortsipApiOptions): PortsipApi {
  const { username, password, logger } = options;
  const domain = options.domain?.trim() || undefined;
  const now = options.now ?? Date.now;
  const pageSize = Math.min(100, Math.max(1, options.pageSize ?? 100));
  const login = { username, domain };
  const timeoutMs = options.timeoutMs ?? 15_000;
  registerSecret(password);

  const http: AxiosInstance = axios.create({
    baseURL: options.baseUrl.replace(/\/+$/, '').replace(/\/api$/, ''),
    timeout: timeoutMs,
    headers: { Accept: 'application/json' },
    validateStatus: () => true,
    // A non-JSON body (an HTML page from a proxy) stays text and fails the schema, instead of throwing in axios.
    transitional: { silentJSONParsing: true, forcedJSONParsing: true, clarifyTimeoutError: false },
    maxRedirects: 0,
    // Direct, as the relay and doctor's checks reach PortSIP (src/outboundProxy.ts): axios alone read HTTPS_PROXY, so
    // `/sms portsip` went through a corporate proxy that could not reach a PBX on the LAN while the relay reached it.
    proxy: false,
    // Read whole otherwise: a 600 MB answer took smsops to 1.45 GB for one `/sms portsip`, any member's to run.
    maxContentLength: PORTSIP_MAX_ANSWER_BYTES,
  });

  let session: Session | null = null;
  let renewing: Promise<Session> | null = null;
  /** The login form that worked last; the older JSON form is tried only after the OAuth one answered 404. */
  let loginForm: LoginForm = 'oauth';

  async function send(
    operation: string,
    config: Parameters<AxiosInstance['request']>[0],
  ): Promise<{ response: AxiosResponse } | { failure: Failure }> {
    const started = now();
    // The whole call, answer included: axios' `timeout` is the socket's idle time once the answer starts, so a PBX (or
    // whatever PORTSIP_API_URL reaches) trickling its body a byte a second held `/sms portsip` unanswered for hours.
    const deadline = AbortSignal.timeout(timeoutMs);
    try {
      const response = await http.request({ ...config, signal: deadline });
      logger.debug('portsip request', {
        operation,
        method: config.method,
        path: config.url,
        status: response.status,
        ms: now() - started,
      });
      return { response };
    } catch (error) {
      const failure: Failure = deadline.aborted
        ? { kind: 'timeout', detail: `no complete answer within ${Math.round(timeoutMs / 1000)} s` }
        : networkFailure(error);
      logger.debug('portsip request', {
        operation,
        method: config.method,
        path: config.url,
        failure: failure.kind,
        ms: now() - started,
      });
      return { failure };
    }
  }

  function parsed<T>(operation: string, path: string, schema: z.ZodType<T>, response: AxiosResponse): T {
    return parsedData(operation, path, schema, response.data, response.status);
  }

  function parsedData<T>(operation: string, path: string, schema: z.ZodType<T>, data: unknown, status: number): T {
    const result = schema.safeParse(data);
    if (result.success) return result.data;
    const detail = describeZodIssue(result.error);
    logger.warn('portsip response did not match the expected shape', { operation, path, status, detail });
    throw new PortsipError({ kind: 'invalid_response', operation, status, detail });
  }

  function sessionFrom(body: z.infer<typeof tokenResponseSchema>, form: LoginForm): Session {
    registerSecret(body.access_token);
    registerSecret(body.refresh_token ?? undefined);
    let expiresAt: number | null = null;
    if (body.expires_in) expiresAt = now() + body.expires_in * 1000;
    else if (body.expires_at && !Number.isNaN(Date.parse(body.expires_at))) expiresAt = Date.parse(body.expires_at);
    // Renew a little early (a minute, or a tenth of a short lifetime) so a call never starts with a dying token.
    const lifetime = expiresAt === null ? null : expiresAt - now();
    return {
      accessToken: body.access_token,
      refreshToken: body.refresh_token ?? null,
      renewAt: expiresAt === null || lifetime === null ? null : expiresAt - Math.min(60_000, lifetime / 10),
      form,
    };
  }

  async function logInWith(form: LoginForm): Promise<AxiosResponse> {
    const operation = 'log in';
    const outcome =
      form === 'oauth'
        ? await send(operation, {
            method: 'POST',
            url: '/api/login/oauth/token',
            headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
            data: new URLSearchParams({
              grant_type: 'password',
              username,
              password,
              scope: 'all',
              client_id: PORTSIP_OAUTH_CLIENT_ID,
              ...(domain ? { domain } : {}),
            }).toString(),
          })
        : // The OpenAPI v22 form: POST /api/login with JSON {username, password, domain}.
          await send(operation, {
            method: 'POST',
            url: '/api/login',
            data: { username, password, ...(domain ? { domain } : {}) },
          });
    if ('failure' in outcome) throw new PortsipError({ ...outcome.failure, operation, login });
    return outcome.response;
  }

  async function logIn(): Promise<Session> {
    const operation = 'log in';
    let form = loginForm;
    let response = await logInWith(form);
    if (response.status === 404 && form === 'oauth') {
      // PortSIP builds older than the 2026 authentication page may have only the OpenAPI form.
      logger.info('portsip has no OAuth login; trying POST /api/login');
      form = 'json';
      response = await logInWith(form);
    }
    if (response.status !== 200) throw new PortsipError({ ...tokenCallFailure(response), operation, login });
    loginForm = form;
    const next = sessionFrom(parsed(operation, '/api/login', tokenResponseSchema, response), form);
    logger.info('portsip login', { form, username, domain });
    return next;
  }

  /**
   * Renews with the refresh token when the OAuth form gave one (grant_type=refresh_token, same endpoint), else logs in
   * again. A refused refresh (documented: 400 UNKNOWN) falls back to a full login; trouble reaching PortSIP does not.
   */
  async function renew(stale: Session | null): Promise<Session> {
    if (stale?.form === 'oauth' && stale.refreshToken) {
      const operation = 'refresh the PortSIP login';
      const outcome = await send(operation, {
        method: 'POST',
        url: '/api/login/oauth/token',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
        data: new URLSearchParams({
          grant_type: 'refresh_token',
          refresh_token: stale.refreshToken,
          client_id: PORTSIP_OAUTH_CLIENT_ID,
        }).toString(),
      });
      if ('failure' in outcome) throw new PortsipError({ ...outcome.failure, operation, login });
      const { response } = outcome;
      if (response.status === 200) {
        const body = tokenResponseSchema.safeParse(response.data);
        if (body.success)
          return sessionFrom({ ...body.data, refresh_token: body.data.refresh_token ?? stale.refreshToken }, 'oauth');
      }
      if (response.status >= 500) throw new PortsipError({ ...tokenCallFailure(response), operation, login });
      logger.info('portsip refused the refresh token; logging in again', { status: response.status });
    }
    return logIn();
  }

  /** One renewal at a time: concurrent calls that find the same stale token share it. */
  function renewOnce(stale: Session | null): Promise<Session> {
    if (session !== stale && session !== null) return Promise.resolve(session);
    renewing ??= renew(stale)
      .then((next) => {
        // The replaced tokens are dead: a log line can no longer leak them, and the redaction set stays small.
        if (stale && stale.accessToken !== next.accessToken) forgetSecret(stale.accessToken);
        if (stale?.refreshToken && stale.refreshToken !== next.refreshToken) forgetSecret(stale.refreshToken);
        session = next;
        return next;
      })
      .finally(() => {
        renewing = null;
      });
    return renewing;
  }

  async function currentSession(): Promise<Session> {
    if (session && (session.renewAt === null || now() < session.renewAt)) return session;
    return renewOnce(session);
  }

  /** `budget`: the bytes the caller has left to read (a list's walk shares one); told of what this answer took. */
  async function get<T>(
    operation: string,
    path: string,
    query: Record<string, string | number | boolean>,
    schema: z.ZodType<T>,
    budget?: { left: number },
  ) {
    let active = await currentSession();
    for (let attempt = 1; ; attempt++) {
      const outcome = await send(operation, {
        method: 'GET',
        url: path,
        params: query,
        headers: { Authorization: `Bearer ${active.accessToken}` },
        ...(budget
          ? {
              maxContentLength: Math.max(0, budget.left),
              transformResponse: countingTransform((bytes) => {
                budget.left -= bytes;
              }),
            }
          : {}),
      });
      if ('failure' in outcome) throw new PortsipError({ ...outcome.failure, operation });
      const { response } = outcome;
      if (response.status === 200) return parsed(operation, path, schema, response);
      if (response.status === 401 && attempt === 1) {
        // Expired or revoked earlier than PortSIP announced (a restart, a revoke): renew once and retry.
        active = await renewOnce(active);
        continue;
      }
      throw new PortsipError({ ...statusFailure(response), operation, login, tokenRefused: response.status === 401 });
    }
  }

  /**
   * Walks `{count, items}` with `top`/`skip`. `skip` is taken as the number of items to skip (the spec: minimum 0,
   * default 0), although PortSIP's prose also says "skip numbering is 1-based" [?]; items are de-duplicated by id so
   * an off-by-one overlap cannot repeat one, and a page that adds nothing ends the walk.
   *
   * The walk reads at most PORTSIP_MAX_ANSWER_BYTES and MAX_LISTED entries in all, not per page: an API that ignores
   * `top` (a proxy, a build that does, something else at PORTSIP_API_URL) answered 300,000 entries a page with a
   * count of 100 million, and one `/sms portsip` took smsops to 1.9 GB with /healthz unanswered for 5 s at a time.
   */
  async function listAll<T extends { id: string }>(operation: string, path: string, item: z.ZodType<T>): Promise<T[]> {
    const schema = listSchema(item);
    const byId = new Map<string, T>();
    const budget = { left: PORTSIP_MAX_ANSWER_BYTES };
    for (let page = 0; page < MAX_PAGES; page++) {
      const raw = await get(operation, path, { top: pageSize, skip: byId.size, count: true }, pageSchema, budget);
      if (byId.size + raw.items.length > MAX_LISTED) {
        throw new PortsipError({
          kind: 'too_large',
          operation,
          detail: `${MAX_LISTED.toLocaleString('en-US')} entries, the most smsops reads`,
        });
      }
      const envelope = parsedData(operation, path, schema, raw, 200);
      const before = byId.size;
      for (const entry of envelope.items) byId.set(entry.id, entry as T);
      const total = envelope.count ?? null;
      if (byId.size === before) break;
      if (total !== null ? byId.size >= total : envelope.items.length < pageSize) break;
    }
    return [...byId.values()];
  }

  return {
    listSmsConfigurations: () => listAll('list the SMS/MMS configurations', '/api/sms', smsConfigurationSchema),
    listInboundRules: () => listAll('list the inbound rules', '/api/inbound_rules', inboundRuleSchema),
    listProviders: () => listAll('list the trunks', '/api/providers', providerSchema),
  };
}
