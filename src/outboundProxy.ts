import { type Dispatcher, EnvHttpProxyAgent, setGlobalDispatcher } from 'undici';
import type { Logger } from './log.js';

/**
 * HTTP_PROXY / HTTPS_PROXY / NO_PROXY (either case), as curl and most tools read them. Without this, a network where
 * only a proxy reaches the internet had Wavix's calls through the proxy (axios reads these variables itself) and
 * Slack's direct (Node 20's fetch and Socket Mode's websocket read none): smsops said "Wavix reachable" and then never
 * reached Slack, one leg working and the other not, with nothing saying why.
 */
export function environmentProxy(env: NodeJS.ProcessEnv): { https?: string; http?: string; noProxy?: string } | undefined {
  const read = (name: string) => (env[name] ?? env[name.toLowerCase()])?.trim() || undefined;
  const https = read('HTTPS_PROXY');
  const http = read('HTTP_PROXY');
  if (!https && !http) return undefined;
  const noProxy = read('NO_PROXY');
  return { ...(https ? { https } : {}), ...(http ? { http } : {}), ...(noProxy ? { noProxy } : {}) };
}

/** A proxy URL as it may be logged: `user:password@` is a credential. */
const withoutCredentials = (url: string) => url.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/@]*@/i, '$1***@');

/**
 * Sends Slack's calls (every Web API client: they use the global fetch) through the environment's proxy, as Wavix's
 * already go, and returns the dispatcher for Socket Mode's websocket (it builds its own agent otherwise, direct).
 * PortSIP is left direct on every leg, the relay, its REST API and doctor's connection checks alike: a PBX is usually
 * on the company's own network, and a relay through a proxy would post each SMS to wherever the proxy resolves the
 * name (the relay's guard against metadata and link-local addresses looks at the address it connects to).
 */
export function useEnvironmentProxy(env: NodeJS.ProcessEnv, logger: Pick<Logger, 'info'>): Dispatcher | undefined {
  const proxy = environmentProxy(env);
  if (!proxy) return undefined;
  const dispatcher = new EnvHttpProxyAgent();
  setGlobalDispatcher(dispatcher);
  logger.info(
    'outbound proxy from the environment: Wavix and Slack (its Web API and Socket Mode) go through it, except hosts in NO_PROXY; PortSIP (the relay, its API, doctor’s checks) is always connected to directly',
    {
      ...(proxy.https ? { httpsProxy: withoutCredentials(proxy.https) } : {}),
      ...(proxy.http ? { httpProxy: withoutCredentials(proxy.http) } : {}),
      noProxy: proxy.noProxy ?? '(none)',
    },
  );
  return dispatcher;
}

/**
 * NODE_TLS_REJECT_UNAUTHORIZED=0, the usual answer found for a private-CA PortSIP, turns certificate checks off for
 * every leg (Slack's and Wavix's tokens then go to whoever answers) and Node says it once on stderr, outside the log.
 * smsops never sets it; said at start, as a warning, with the way that keeps verification (NODE_EXTRA_CA_CERTS).
 */
export function warnIfTlsVerificationOff(env: NodeJS.ProcessEnv, logger: Pick<Logger, 'warn'>): void {
  if (env.NODE_TLS_REJECT_UNAUTHORIZED !== '0') return;
  logger.warn(
    'NODE_TLS_REJECT_UNAUTHORIZED=0 turns off certificate verification for Slack, Wavix and PortSIP alike: anyone between smsops and them can read the tokens and the SMS; remove it, and for a PortSIP certificate from a private CA set NODE_EXTRA_CA_CERTS to that CA’s PEM file instead (/sms doctor still judges PortSIP’s certificate as if verification were on)',
  );
}
