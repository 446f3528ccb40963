import { randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { PORTSIP_OAUTH_CLIENT_ID } from '../../portsip/api.js';
import { type Answer, sendAnswer } from '../http/answer.js';
import { readBody } from '../http/body.js';
import { Router } from '../http/router.js';
import { startStandInServer } from '../http/serve.js';

/**
 * A local stand-in for the few PortSIP REST endpoints smsops reads, over real HTTP, with PortSIP's shapes:
 * `POST /api/login/oauth/token` (password and refresh_token grants, form-encoded), `POST /api/login` (the older JSON
 * form), and `GET /api/sms`, `/api/inbound_rules`, `/api/providers` as `{count, items}` honouring `top`/`skip`.
 * Used by tests and by the sandbox. Where PortSIP documents nothing (the 401 body, token rotation on refresh, the
 * JSON login's answer) it does the plausible thing and says so [?]; it is not evidence of how a real PBX behaves.
 */

/** PortSIP's wire shapes (snake_case), as `GET /api/sms` etc. return them. */
export interface StandInSmsConfiguration {
  id: string;
  name: string;
  enabled: boolean;
  sender_id: string | null;
  provider_id: string;
  provider_name: string;
  provider_brand: string;
  provider_hostname: string | null;
  webhook: string;
}

export interface StandInForwardRule {
  action: 'FORWARD_TO_NUMBER' | 'FORWARD_TO_VOICEMAIL' | 'HANGUP';
  number?: string;
}

export interface StandInInboundRule {
  id: string;
  name: string;
  enabled: boolean;
  cid_number_mask: string | null;
  /** "A single DID/DDI number or a hyphen-separated range" (spec). */
  did_numbers: string;
  provider_id: string;
  office_hours_forward_rule: StandInForwardRule;
  non_office_hours_forward_rule: StandInForwardRule;
  holiday_forward_rule: StandInForwardRule;
}

export interface StandInProvider {
  id: string;
  name: string;
  enabled: boolean;
  brand: string;
  hostname: string | null;
  port: number;
  /** Semicolon-separated numbers and ranges, e.g. `3000;12000-18000` (spec). */
  did_numbers: string;
  shared: boolean;
}

export interface StandInUser {
  username: string;
  password: string;
  /** A tenant user's SIP domain; the login must send the same `domain`. Unset: the system administrator. */
  domain?: string;
}

export type StandInLoginForm = 'oauth' | 'json';

export interface PortsipStandInOptions {
  users?: StandInUser[];
  smsConfigurations?: StandInSmsConfiguration[];
  inboundRules?: StandInInboundRule[];
  providers?: StandInProvider[];
  /** Which login endpoints exist; default both. `['json']` plays an older build without the OAuth endpoint (404). */
  loginForms?: StandInLoginForm[];
  /** `expires_in` of issued tokens; default 1800 s, as documented. */
  tokenLifetimeSeconds?: number;
  host?: string;
  port?: number;
}

export interface StandInSession {
  username: string;
  accessToken: string;
  refreshToken: string;
  expiresAt: number;
  /** Set by `expireTokens({ refreshTokens: true })` or when the refresh token was used (rotation [?]). */
  refreshRevoked: boolean;
}

/** The live state: change the arrays and the next request sees it. */
export interface PortsipStandInState {
  users: StandInUser[];
  smsConfigurations: StandInSmsConfiguration[];
  inboundRules: StandInInboundRule[];
  providers: StandInProvider[];
  sessions: StandInSession[];
}

export interface StandInRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  status: number;
  /** For logins: the grant type (`password`, `refresh_token`) or `json` for POST /api/login. */
  grantType?: string;
}

/** A canned answer for the next `times` matching requests (default once), before authentication. */
export interface StandInFault {
  method?: string;
  path: string;
  status: number;
  /** Sent as is; default PortSIP's error body. */
  body?: string;
  contentType?: string;
  delayMs?: number;
  times?: number;
}

export interface PortsipStandIn {
  /** Base URL, e.g. `http://127.0.0.1:41234` (the client adds `/api/...`). */
  url: string;
  state: PortsipStandInState;
  /** Every request served, in order (never the password nor the tokens). */
  requests: StandInRequest[];
  /** Makes every issued access token expired now; with `refreshTokens`, the refresh tokens too. */
  expireTokens(options?: { refreshTokens?: boolean }): void;
  injectFault(fault: StandInFault): void;
  close(): Promise<void>;
}

export const PORTSIP_STANDIN_USER: Readonly<StandInUser> = { username: 'admin', password: 'standin-admin-password' };

const WAVIX_TRUNK_ID = 'NzAwNTUxOTA5NzczMTQ4MTYw';
/**
 * The seeded Wavix SMS configuration's inbound URL, shaped like PortSIP's "Copy Webhook" (notes §1): the trunk's brand
 * as a path segment, with its spaces, under the current `/emc/` prefix, then the per-configuration UUID.
 */
export const STANDIN_WAVIX_WEBHOOK = 'https://pbx.example.com:8887/emc/Wavix - US/0d3c8a52-7f4e-4b1a-9c6d-2e5f8a1b3c47';

/** One Wavix trunk with two DIDs, its SMS configuration, and an inbound rule for only the first DID. */
export function defaultStandInSeed(): Required<Pick<PortsipStandInOptions, 'smsConfigurations' | 'inboundRules' | 'providers'>> {
  const forward = (number: string): StandInForwardRule => ({ action: 'FORWARD_TO_NUMBER', number });
  return {
    providers: [
      {
        id: WAVIX_TRUNK_ID,
        name: 'Wavix Trunk',
        enabled: true,
        brand: 'Wavix - US',
        hostname: 'sip.wavix.example', // illustrative; not Wavix's real host
        port: 5060,
        did_numbers: '14155550100;16135550123',
        shared: false,
      },
    ],
    smsConfigurations: [
      {
        id: 'NzAwNTUxOTA5NzczMTQ4MTYx',
        name: 'Wavix SMS',
        enabled: true,
        sender_id: null,
        provider_id: WAVIX_TRUNK_ID,
        provider_name: 'Wavix Trunk',
        provider_brand: 'Wavix - US',
        provider_hostname: 'sip.wavix.example',
        webhook: STANDIN_WAVIX_WEBHOOK,
      },
    ],
    inboundRules: [
      {
        id: 'NzAwNTUxOTA5NzczMTQ4MTYy',
        name: 'Main line',
        enabled: true,
        cid_number_mask: null,
        did_numbers: '14155550100',
        provider_id: WAVIX_TRUNK_ID,
        office_hours_forward_rule: forward('101'),
        non_office_hours_forward_rule: forward('101'),
        holiday_forward_rule: { action: 'FORWARD_TO_VOICEMAIL' },
      },
    ],
  };
}

const portsipErrors = (status: number, code: string, message: string): Answer => ({
  status,
  body: { errors: [{ code, message }] },
});
/** Documented for a failed login (rest-apis/authentication.md). */
const loginFailed = () => portsipErrors(400, 'UNAUTHORIZED', 'Login failed, authentication error');
/** A missing or expired bearer token: PortSIP documents no body for this 401 [?]; this follows its error format. */
const unauthorized = () => portsipErrors(401, 'UNAUTHORIZED', 'Unauthorized');

const newToken = () => randomBytes(36).toString('base64url').toUpperCase().slice(0, 48);

const tooLarge = () => portsipErrors(413, 'UNKNOWN', 'request body too large');

function page<T>(items: readonly T[], query: URLSearchParams): Answer {
  const top = query.has('top') ? Number(query.get('top')) : 100;
  const skip = query.has('skip') ? Number(query.get('skip')) : 0;
  if (!Number.isInteger(top) || top < 1 || top > 100) return portsipErrors(400, 'VALIDATE_FAILED', 'field validation failed');
  if (!Number.isInteger(skip) || skip < 0) return portsipErrors(400, 'VALIDATE_FAILED', 'field validation failed');
  return { status: 200, body: { count: items.length, items: items.slice(skip, skip + top) } };
}

export async function startPortsipStandIn(options: PortsipStandInOptions = {}): Promise<PortsipStandIn> {
  const seed = defaultStandInSeed();
  const state: PortsipStandInState = {
    users: options.users ?? [{ ...PORTSIP_STANDIN_USER }],
    smsConfigurations: options.smsConfigurations ?? seed.smsConfigurations,
    inboundRules: options.inboundRules ?? seed.inboundRules,
    providers: options.providers ?? seed.providers,
    sessions: [],
  };
  const loginForms = new Set(options.loginForms ?? ['oauth', 'json']);
  const lifetimeSeconds = options.tokenLifetimeSeconds ?? 1800;
  const requests: StandInRequest[] = [];
  const faults: Array<StandInFault & { left: number }> = [];

  const issue = (username: string): Answer => {
    const session: StandInSession = {
      username,
      accessToken: newToken(),
      refreshToken: newToken(),
      expiresAt: Date.now() + lifetimeSeconds * 1000,
      refreshRevoked: false,
    };
    state.sessions.push(session);
    return {
      status: 200,
      body: {
        access_token: session.accessToken,
        expires_in: lifetimeSeconds,
        refresh_token: session.refreshToken,
        token_type: 'Bearer',
      },
    };
  };

  const userFor = (username: string | null, password: string | null, domain: string | null) =>
    state.users.find((u) => u.username === username && u.password === password && (u.domain ?? null) === (domain || null));

  function oauthToken(form: URLSearchParams): Answer {
    if (form.get('client_id') !== PORTSIP_OAUTH_CLIENT_ID) return loginFailed();
    if (form.get('grant_type') === 'password') {
      if (form.get('scope') !== 'all') return loginFailed();
      const user = userFor(form.get('username'), form.get('password'), form.get('domain'));
      return user ? issue(user.username) : loginFailed();
    }
    if (form.get('grant_type') === 'refresh_token') {
      const session = state.sessions.find((s) => s.refreshToken === form.get('refresh_token') && !s.refreshRevoked);
      // Documented answer to a bad refresh: 400 UNKNOWN. Whether PortSIP rotates refresh tokens is not [?]; here it does.
      if (!session) return portsipErrors(400, 'UNKNOWN', 'unknown error');
      session.refreshRevoked = true;
      session.expiresAt = 0;
      return issue(session.username);
    }
    return portsipErrors(400, 'UNKNOWN', 'unknown error');
  }

  function jsonLogin(text: string): Answer {
    let body: { username?: unknown; password?: unknown; domain?: unknown };
    try {
      body = JSON.parse(text) as typeof body;
    } catch {
      return portsipErrors(400, 'VALIDATE_FAILED', 'field validation failed');
    }
    const str = (value: unknown) => (typeof value === 'string' ? value : null);
    const user = userFor(str(body.username), str(body.password), str(body.domain));
    // The spec documents only "200 OK" for POST /api/login [?]; the answer here is the OAuth token body.
    return user ? issue(user.username) : loginFailed();
  }

  function bearerValid(req: IncomingMessage): boolean {
    const header = req.headers.authorization ?? '';
    if (!header.startsWith('Bearer ')) return false;
    const token = header.slice(7).trim();
    return state.sessions.some((s) => s.accessToken === token && s.expiresAt > Date.now());
  }

  type Route = (req: IncomingMessage, url: URL, record: StandInRequest) => Answer | Promise<Answer>;
  const router = new Router<Route>();
  if (loginForms.has('oauth')) {
    router.add('POST', '/api/login/oauth/token', async (req, _url, record) => {
      const raw = await readBody(req);
      if (raw === null) return tooLarge();
      const form = new URLSearchParams(raw.toString('utf8'));
      record.grantType = form.get('grant_type') ?? '';
      return oauthToken(form);
    });
  }
  if (loginForms.has('json')) {
    router.add('POST', '/api/login', async (req, _url, record) => {
      record.grantType = 'json';
      const raw = await readBody(req);
      return raw === null ? tooLarge() : jsonLogin(raw.toString('utf8'));
    });
  }
  const lists: Array<[string, () => readonly unknown[]]> = [
    ['/api/sms', () => state.smsConfigurations],
    ['/api/inbound_rules', () => state.inboundRules],
    ['/api/providers', () => state.providers],
  ];
  for (const [path, items] of lists) {
    router.add('GET', path, (req, url) => (bearerValid(req) ? page(items(), url.searchParams) : unauthorized()));
  }

  async function handle(req: IncomingMessage, url: URL, record: StandInRequest): Promise<Answer> {
    const method = req.method ?? 'GET';
    const fault = faults.find((f) => f.left > 0 && f.path === url.pathname && (f.method ?? 'GET') === method);
    if (fault) {
      fault.left -= 1;
      if (fault.delayMs) await sleep(fault.delayMs);
      if (fault.body === undefined) return portsipErrors(fault.status, 'UNKNOWN', 'unknown error');
      return { status: fault.status, text: { content: fault.body, contentType: fault.contentType ?? 'application/json' } };
    }
    const match = router.match(method, url.pathname);
    if (match.handler) return match.handler(req, url, record);
    return match.pathKnown ? portsipErrors(405, 'UNKNOWN', 'method not allowed') : portsipErrors(404, 'NOT_FOUND', 'not found'); // 404 body undocumented [?]
  }

  const server = await startStandInServer(
    async (req, res) => {
      const url = new URL(req.url ?? '/', 'http://standin');
      const record: StandInRequest = {
        method: req.method ?? 'GET',
        path: url.pathname,
        query: Object.fromEntries(url.searchParams),
        status: 0,
      };
      const answer = await handle(req, url, record).catch(() => portsipErrors(500, 'UNKNOWN', 'unknown error'));
      record.status = answer.status;
      requests.push(record);
      sendAnswer(res, answer);
    },
    { host: options.host, port: options.port },
  );

  return {
    url: server.url,
    state,
    requests,
    expireTokens: ({ refreshTokens = false } = {}) => {
      for (const session of state.sessions) {
        session.expiresAt = 0;
        if (refreshTokens) session.refreshRevoked = true;
      }
    },
    injectFault: (fault) => {
      faults.push({ ...fault, left: fault.times ?? 1 });
    },
    close: () => server.close(),
  };
}
