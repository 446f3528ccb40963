import axios, { type AxiosResponse } from 'axios';
import type { z } from 'zod';
import { connectionCodeKind, refinedCode } from '../core/connectionFailure.js';
import { AppError } from '../errors.js';
import { redactSecrets } from '../log.js';
import { errorBodySchema } from './schemas.js';

/** PortSIP's answers are lists of configurations and rules, a few KB: a larger one is read no further (memory). */
export const PORTSIP_MAX_ANSWER_BYTES = 10 * 1024 * 1024;

export type PortsipErrorKind =
  | 'auth'
  | 'forbidden'
  | 'not_found'
  | 'rejected'
  | 'server'
  | 'timeout'
  | 'network'
  | 'too_large'
  /** PORTSIP_API_URL answered with a 3xx (http:// where the portal wants https://): not followed; `detail` is where to. */
  | 'redirect'
  | 'invalid_response';

export interface PortsipErrorInit {
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

export function portsipUserMessage(init: PortsipErrorInit): string {
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
      return `smsops could not reach PortSIP to ${init.operation}${apiNetworkWords(init.detail)}. Check PORTSIP_API_URL and that the PBX's port is open to smsops.`;
    case 'too_large':
      return `PortSIP's answer when trying to ${init.operation} was larger than ${init.detail ?? 'the most smsops reads'}: PORTSIP_API_URL may point at something other than the PBX's REST API.`;
    case 'redirect':
      return `PORTSIP_API_URL answered with a redirect (HTTP ${init.status ?? '3xx'}) to ${init.detail ?? 'another address'} when trying to ${init.operation}: smsops does not follow redirects (they would carry the PortSIP login to another address). Set PORTSIP_API_URL to the address it redirects to (usually https://<pbx>:8887) and restart smsops.`;
    case 'invalid_response':
      return `PortSIP answered ${init.operation} in a shape smsops does not understand; PortSIP may have changed its API. The details are in the smsops log.`;
  }
}

/** A connection failure's kind in words with its code ("connection refused (ECONNREFUSED)"), or the code alone. */
function apiNetworkWords(code: string | undefined): string {
  if (!code || code === 'ERR_NETWORK') return '';
  const kind = connectionCodeKind(code);
  return kind ? `: ${kind} (${code})` : ` (${code})`;
}

export interface Failure {
  kind: PortsipErrorKind;
  status?: number;
  portsipCode?: string;
  portsipMessage?: string;
  detail?: string;
}

export function portsipErrorOf(data: unknown): { portsipCode?: string; portsipMessage?: string } {
  const parsed = errorBodySchema.safeParse(data);
  if (!parsed.success) return {};
  const first = parsed.data.errors[0];
  return {
    ...(first?.code ? { portsipCode: first.code } : {}),
    ...(first?.message ? { portsipMessage: first.message.slice(0, 300) } : {}),
  };
}

/** Where a redirect points, by its scheme, host and port only (a path or query may carry a token). */
function redirectOrigin(location: unknown): string {
  if (typeof location !== 'string') return 'another address';
  try {
    return new URL(location).origin;
  } catch {
    return 'another address';
  }
}

export function statusFailure(response: AxiosResponse): Failure {
  const status = response.status;
  // Told as "PortSIP refused to log in (HTTP 301)", an http:// portal address sent the operator to the password.
  if (status >= 300 && status < 400) return { kind: 'redirect', status, detail: redirectOrigin(response.headers.location) };
  const kind: PortsipErrorKind =
    status === 401 ? 'auth' : status === 403 ? 'forbidden' : status === 404 ? 'not_found' : status >= 500 ? 'server' : 'rejected';
  return { kind, status, ...portsipErrorOf(response.data) };
}

/**
 * A refused call to the token endpoint (a login, a refresh), by its status and kind only. PortSIP's words are not
 * kept: answering a request it cannot read, it quotes the request, and that is the login form with the password in it
 * (form-encoded, which the log's masking may not recognise in every spelling). Its code only decides the kind: 401,
 * or 400 UNAUTHORIZED (documented as "wrong user name or password") or without a code, is the credentials refused.
 */
export function tokenCallFailure(response: AxiosResponse): Failure {
  const { kind, status, portsipCode, detail } = statusFailure(response);
  if (kind === 'redirect') return { kind, status, ...(detail ? { detail } : {}) };
  const credentialsRefused = status === 401 || (status === 400 && (portsipCode ?? 'UNAUTHORIZED') === 'UNAUTHORIZED');
  return { kind: credentialsRefused ? 'auth' : kind, status };
}

export function networkFailure(error: unknown): Failure {
  // Only the code is kept: the axios error carries the request, bearer token and login form included.
  const code = axios.isAxiosError(error) ? refinedCode(error.code ?? 'ERR_NETWORK', error.message) : 'ERR_UNKNOWN';
  if (code === 'ECONNABORTED' || code === 'ETIMEDOUT') return { kind: 'timeout', detail: code };
  // axios' own words for an answer past maxContentLength (they hold no content), as the Wavix client reads them.
  if (axios.isAxiosError(error) && error.message.startsWith('maxContentLength size of'))
    return { kind: 'too_large', detail: `${PORTSIP_MAX_ANSWER_BYTES / 1024 / 1024} MB, the most smsops reads` };
  return { kind: 'network', detail: code };
}

export function describeZodIssue(error: z.ZodError): string {
  const issue = error.issues[0];
  if (!issue) return 'unexpected body';
  return `field ${issue.path.length > 0 ? issue.path.join('.') : '(body)'}: ${issue.message}`;
}
