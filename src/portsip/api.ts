import axios, { type AxiosInstance, type AxiosResponse } from 'axios';
import type { z } from 'zod';
import { AppError } from '../errors.js';
import { forgetSecret, type Logger, redactSecrets, registerSecret } from '../log.js';
import {
  errorBodySchema,
  inboundRuleSchema,
  listSchema,
  type PortsipInboundRule,
  type PortsipProvider,
  type PortsipSmsConfiguration,
  providerSchema,
  smsConfigurationSchema,
  tokenResponseSchema,
} from './schemas.js';

export type { PortsipInboundRule, PortsipProvider, PortsipSmsConfiguration } from './schemas.js';

/**
 * A small client for the parts of PortSIP's REST API smsops reads: SMS/MMS configurations (their inbound webhook
 * URLs), inbound rules and trunks. Optional: smsops works without it; with it, setup can be proposed instead of typed.
 * The authority is /work/shared/portsip.md §3; where PortSIP documents nothing, comments say [?].
 */

/** PortSIP's documented OAuth client id: "The value is always 9d806019-…" (rest-apis/authentication.md). */
export const PORTSIP_OAUTH_CLIENT_ID = '9d806019-75b2-4b3d-bb8b-f5a3a412cc0a';

export type PortsipErrorKind =
  | 'auth'
  | 'forbidden'
  | 'not_found'
  | 'rejected'
  | 'server'
  | 'timeout'
  | 'network'
  | 'invalid_response';

interface PortsipErrorInit {
  kind: PortsipErrorKind;
  /** What was being done, finishing "when trying to …". */
  operation: string;
  status?: number;
  /** PortSIP's own error code and message, when its body had them. */
  portsipCode?: string;
  portsipMessage?: string;
  /** For people: which user and (tenant) domain were used; never the password. */
  login?: { username: string; domain?: string | undefined };
  /** An auth failure after a login that worked: PortSIP refused its own fresh token. */
  tokenRefused?: boolean;
  /** A short technical detail for the log (an error code, a zod issue), never a body or a header. */
  detail?: string;
}

/** A failed PortSIP call. It never holds the password, a token, nor the raw axios error (which carries the headers). */
export class PortsipError extends AppError {
  readonly kind: PortsipErrorKind;
  readonly operation: string;
  readonly status: number | undefined;
  readonly portsipCode: string | undefined;
  readonly portsipMessage: string | undefined;

  constructor(init: PortsipErrorInit) {
    const said = init.portsipMessage ? `: ${init.portsipCode ?? ''} ${init.portsipMessage}`.replace(':  ', ': ') : '';
    const technical = `PortSIP ${init.operation} failed: ${init.kind}${init.status ? ` (HTTP ${init.status})` : ''}${said}${
      init.detail ? ` [${init.detail}]` : ''
    }`;
    // Scrubbed here as well as in the log: PortSIP's words are echoed and nobody knows what they may quote.
    super(redactSecrets(technical), redactSecrets(portsipUserMessage(init)), init.detail ? { cause: init.detail } : undefined);
    this.name = 'PortsipError';
    this.kind = init.kind;
    this.operation = init.operation;
    this.status = init.status;
    this.portsipCode = init.portsipCode;
    this.portsipMessage = init.portsipMessage;
  }
}

function portsipUserMessage(init: PortsipErrorInit): string {
  const said = init.portsipMessage ? ` PortSIP said: "${init.portsipMessage}".` : '';
  const who = init.login
    ? ` (user "${init.login.username}"${init.login.domain ? `, tenant domain "${init.login.domain}"` : ''})`
    : '';
  switch (init.kind) {
    case 'auth':
      return init.tokenRefused
        ? `PortSIP accepted the login${who} but then refused its access token when trying to ${init.operation}.${said} Check that the user may use the REST API.`
        : `PortSIP refused the user name or password${who} when trying to ${init.operation}. Check PORTSIP_API_USER and PORTSIP_API_PASSWORD; a tenant user also needs PORTSIP_API_DOMAIN set to the tenant's SIP domain.`;
    case 'forbidden':
      return `PortSIP does not allow this user${who} to ${init.operation} (403).${said} Use a tenant administrator or the system administrator.`;
    case 'not_found':
      return `PortSIP has no such API when trying to ${init.operation} (404). Check PORTSIP_API_URL (the PBX web portal address, usually https://<pbx>:8887) and that the PBX runs v22 or newer.`;
    case 'rejected':
      return `PortSIP refused to ${init.operation} (HTTP ${init.status ?? 'error'}).${said}`;
    case 'server':
      return `PortSIP had an internal error (HTTP ${init.status ?? 'server error'}) when trying to ${init.operation}; try again in a few minutes, and look at the PBX's logs if it persists.`;
    case 'timeout':
      return `PortSIP did not answer in time when trying to ${init.operation}; try again shortly.`;
    case 'network':
      return `smsops could not reach PortSIP to ${init.operation}${init.detail ? ` (${init.detail})` : ''}. Check PORTSIP_API_URL and that the PBX's port is open to smsops.`;
    case 'invalid_response':
      return `PortSIP answered ${init.operation} in a shape smsops does not understand; PortSIP may have changed its API. The details are in the smsops log.`;
  }
}

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

export interface PortsipApi {
  /** `GET /api/sms`: every SMS/MMS configuration visible to the user, with its inbound webhook URL. */
  listSmsConfigurations(): Promise<PortsipSmsConfiguration[]>;
  /** `GET /api/inbound_rules`: the rules that route calls, and SMS, per DID. */
  listInboundRules(): Promise<PortsipInboundRule[]>;
  /** `GET /api/providers`: trunks with their brand and DID pool. */
  listProviders(): Promise<PortsipProvider[]>;
}

type LoginForm = 'oauth' | 'json';

interface Session {
  accessToken: string;
  refreshToken: string | null;
  /** When to renew before PortSIP would refuse it; null when PortSIP did not say (then only a 401 renews it). */
  renewAt: number | null;
  form: LoginForm;
}

interface Failure {
  kind: PortsipErrorKind;
  status?: number;
  portsipCode?: string;
  portsipMessage?: string;
  detail?: string;
}

/** A list never runs away: 100 pages of 100 is far more configurations or rules than one PBX has. */
const MAX_PAGES = 100;

function portsipErrorOf(data: unknown): { portsipCode?: string; portsipMessage?: string } {
  const parsed = errorBodySchema.safeParse(data);
  if (!parsed.success) return {};
  const first = parsed.data.errors[0];
  return {
    ...(first?.code ? { portsipCode: first.code } : {}),
    ...(first?.message ? { portsipMessage: first.message.slice(0, 300) } : {}),
  };
}

function statusFailure(response: AxiosResponse): Failure {
  const status = response.status;
  const kind: PortsipErrorKind =
    status === 401 ? 'auth' : status === 403 ? 'forbidden' : status === 404 ? 'not_found' : status >= 500 ? 'server' : 'rejected';
  return { kind, status, ...portsipErrorOf(response.data) };
}

function networkFailure(error: unknown): Failure {
  // Only the code is kept: the axios error carries the request, bearer token and login form included.
  const code = axios.isAxiosError(error) ? (error.code ?? 'ERR_NETWORK') : 'ERR_UNKNOWN';
  if (code === 'ECONNABORTED' || code === 'ETIMEDOUT') return { kind: 'timeout', detail: code };
  return { kind: 'network', detail: code };
}

function describeZodIssue(error: z.ZodError): string {
  const issue = error.issues[0];
  if (!issue) return 'unexpected body';
  return `field ${issue.path.length > 0 ? issue.path.join('.') : '(body)'}: ${issue.message}`;
}

export function createPortsipApi(options: PortsipApiOptions): PortsipApi {
  const { username, password, logger } = options;
  const domain = options.domain?.trim() || undefined;
  const now = options.now ?? Date.now;
  const pageSize = Math.min(100, Math.max(1, options.pageSize ?? 100));
  const login = { username, domain };
  registerSecret(password);

  const http: AxiosInstance = axios.create({
    baseURL: options.baseUrl.replace(/\/+$/, '').replace(/\/api$/, ''),
    timeout: options.timeoutMs ?? 15_000,
    headers: { Accept: 'application/json' },
    validateStatus: () => true,
    // A non-JSON body (an HTML page from a proxy) stays text and fails the schema, instead of throwing in axios.
    transitional: { silentJSONParsing: true, forcedJSONParsing: true, clarifyTimeoutError: false },
    maxRedirects: 0,
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
    try {
      const response = await http.request(config);
      logger.debug('portsip request', {
        operation,
        method: config.method,
        path: config.url,
        status: response.status,
        ms: now() - started,
      });
      return { response };
    } catch (error) {
      const failure = networkFailure(error);
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
    const result = schema.safeParse(response.data);
    if (result.success) return result.data;
    const detail = describeZodIssue(result.error);
    logger.warn('portsip response did not match the expected shape', { operation, path, status: response.status, detail });
    throw new PortsipError({ kind: 'invalid_response', operation, status: response.status, detail });
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

  /** A failed login, in words: 400 UNAUTHORIZED is PortSIP's documented "wrong user name or password". */
  function loginError(operation: string, response: AxiosResponse): PortsipError {
    const failure = statusFailure(response);
    const credentialsRefused =
      response.status === 401 || (response.status === 400 && (failure.portsipCode ?? 'UNAUTHORIZED') === 'UNAUTHORIZED');
    return new PortsipError({ ...failure, kind: credentialsRefused ? 'auth' : failure.kind, operation, login });
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
    if (response.status !== 200) throw loginError(operation, response);
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
      if (response.status >= 500) throw new PortsipError({ ...statusFailure(response), operation, login });
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

  async function get<T>(operation: string, path: string, query: Record<string, string | number | boolean>, schema: z.ZodType<T>) {
    let active = await currentSession();
    for (let attempt = 1; ; attempt++) {
      const outcome = await send(operation, {
        method: 'GET',
        url: path,
        params: query,
        headers: { Authorization: `Bearer ${active.accessToken}` },
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
   */
  async function listAll<T extends { id: string }>(operation: string, path: string, item: z.ZodType<T>): Promise<T[]> {
    const schema = listSchema(item);
    const byId = new Map<string, T>();
    for (let page = 0; page < MAX_PAGES; page++) {
      const envelope = await get(operation, path, { top: pageSize, skip: byId.size, count: true }, schema);
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
