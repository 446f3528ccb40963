import { type Dispatcher, EnvHttpProxyAgent, setGlobalDispatcher } from 'undici';
import type { Logger } from './log.js';

/**
 * HTTP_PROXY / HTTPS_PROXY / NO_PROXY (either case), as curl and most tools read them. Without this, a network where
 * only a proxy reaches the internet had Wavix's calls through the proxy (axios reads these variables itself) and
 * Slack's direct (Node 20's fetch and Socket Mode's websocket read none): smsops said "Wavix reachable" and then never
 * reached Slack, one leg working and the other not, with nothing saying why.
 */
export function environmentProxy(env: NodeJS.ProcessEnv): { https?: string; http?: string; noProxy?: string } | undefined {
  // An empty value is no value (a Compose file's `HTTPS_PROXY: ${HTTPS_PROXY:-}`): it hid the lower-case one from
  // smsops while undici and axios, which skip it, still read it, one leg through the proxy and the other direct.
  const read = (name: string) => env[name]?.trim() || env[name.toLowerCase()]?.trim() || undefined;
  const https = proxyUrl('HTTPS_PROXY', read('HTTPS_PROXY'));
  const http = proxyUrl('HTTP_PROXY', read('HTTP_PROXY'));
  if (!https && !http) return undefined;
  const noProxy = read('NO_PROXY');
  return { ...(https ? { https } : {}), ...(http ? { http } : {}), ...(noProxy ? { noProxy } : {}) };
}

/**
 * A proxy URL checked at start: without it, `proxy:3128` (curl's way, no scheme) or a password with an unencoded `/`
 * stopped smsops with "Invalid URL" alone, naming no variable. No scheme is read as http://, as curl does; the value
 * itself is never quoted (it may hold a password).
 */
function proxyUrl(name: string, value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(value) ? value : `http://${value}`;
  const parsed = URL.canParse(withScheme) ? new URL(withScheme) : undefined;
  if (parsed?.protocol !== 'http:' && parsed?.protocol !== 'https:')
    throw new Error(
      `${name} is not a proxy address smsops can use: write it http://proxy:port, or http://user:password@proxy:port with any of : / @ # ? % in the user or password percent-encoded (@ as %40, / as %2F)`,
    );
  return withScheme;
}

/** A proxy URL as it may be logged: a user or password is a credential (parsed, so an unencoded `@` or `/` in it is not shown either). */
const withoutCredentials = (url: string) => {
  const parsed = new URL(url);
  return parsed.username || parsed.password ? `${parsed.protocol}//***@${parsed.host}` : `${parsed.protocol}//${parsed.host}`;
};

/**
 * Never sent through a proxy, whatever NO_PROXY says: a proxy cannot reach this host's loopback. `npm start` on a
 * laptop with HTTPS_PROXY set (a corporate network) sent the sandbox's calls to its own emulator and Slack on
 * 127.0.0.1 to the proxy, and the sandbox stopped at start with "fetch failed" alone; a WAVIX_API_URL or SLACK_API_URL
 * on localhost (a stand-in) went the same way.
 */
const LOOPBACK_HOSTS = 'localhost,127.0.0.1,[::1]';

/** NO_PROXY with the loopback hosts added (`*` alone already covers them, and must stay alone to mean every host). */
const withLoopback = (noProxy: string | undefined) =>
  noProxy === '*' ? noProxy : noProxy ? `${noProxy},${LOOPBACK_HOSTS}` : LOOPBACK_HOSTS;

/**
 * Whether a call to `target` goes through the proxy, and which: undici's EnvHttpProxyAgent's rule (an https URL takes
 * HTTPS_PROXY, else HTTP_PROXY; NO_PROXY's entries match the host and its subdomains, with a leading `.` or `*.`
 * dropped, `host:port` that port only, `*` alone every host), applied to Wavix's calls too: axios reads NO_PROXY its
 * own way, so `NO_PROXY=wavix.com` sent Wavix's calls through the proxy while Slack's went direct.
 */
export function proxyFor(proxy: ReturnType<typeof environmentProxy>, target: string): string | undefined {
  if (!proxy) return undefined;
  const url = new URL(target);
  const chosen = url.protocol === 'https:' ? (proxy.https ?? proxy.http) : url.protocol === 'http:' ? proxy.http : undefined;
  if (!chosen) return undefined;
  const noProxy = withLoopback(proxy.noProxy);
  if (noProxy === '*') return undefined;
  const hostname = url.host.replace(/:\d*$/, '').toLowerCase();
  const port = Number.parseInt(url.port, 10) || (url.protocol === 'https:' ? 443 : 80);
  for (const entry of noProxy.split(/[,\s]/)) {
    if (!entry) continue;
    const parsed = entry.match(/^(.+):(\d+)$/);
    const host = (parsed?.[1] ?? entry).replace(/^\*?\./, '').toLowerCase();
    if (parsed && Number.parseInt(parsed[2] ?? '', 10) !== port) continue;
    if (hostname === host || hostname.endsWith(`.${host}`)) return undefined;
  }
  return chosen;
}

/** What axios is given for one base URL: the proxy (its user and password decoded) or `false` (direct). */
export interface AxiosProxy {
  protocol: string;
  host: string;
  port: number;
  auth?: { username: string; password: string };
}

/**
 * Wavix's calls (axios) through the same proxy, by the same rule, as Slack's: axios read the variables itself and sent
 * the user and password as written in the URL, still percent-encoded, so a password with `@` (written %40, as a URL
 * needs) was refused by the proxy (407) for Wavix while Slack's calls got through. Without a proxy set this is `false`
 * too, never axios' own reading: it also takes ALL_PROXY (a desktop's proxy settings set it), which smsops does not, so
 * Wavix's calls went through a proxy that the start-up never named while Slack's went direct, and the sandbox's calls
 * to its own emulator on 127.0.0.1 went to the proxy ('could not reach Wavix… check WAVIX_API_URL').
 */
export function axiosProxyFor(env: NodeJS.ProcessEnv, target: string): AxiosProxy | false {
  const chosen = proxyFor(environmentProxy(env), target);
  if (!chosen) return false;
  const url = new URL(chosen);
  return {
    protocol: url.protocol.replace(/:$/, ''),
    host: url.hostname.replace(/^\[|\]$/g, ''),
    port: Number.parseInt(url.port, 10) || (url.protocol === 'https:' ? 443 : 80),
    ...(url.username || url.password
      ? { auth: { username: decodeURIComponent(url.username), password: decodeURIComponent(url.password) } }
      : {}),
  };
}

/**
 * Sends Slack's calls (every Web API client: they use the global fetch) through the environment's proxy, as Wavix's
 * already go, and returns the dispatcher for Socket Mode's websocket (it builds its own agent otherwise, direct).
 * PortSIP is left direct on every leg, the relay, its REST API and doctor's connection checks alike: a PBX is usually
 * on the company's own network, and a relay through a proxy would post each SMS to wherever the proxy resolves the
 * name (the relay's guard against metadata and link-local addresses looks at the address it connects to).
 */
export function useEnvironmentProxy(env: NodeJS.ProcessEnv, logger: Pick<Logger, 'info'>): Dispatcher | undefined {
  const proxy = environmentProxy(env);
  if (!proxy) {
    // Wavix's calls went through it (axios read it) until they took smsops' decision alone: said, so that one who
    // counted on it knows why they now go direct.
    if ((env.ALL_PROXY ?? env.all_proxy)?.trim())
      logger.info(
        'ALL_PROXY is set but smsops does not read it: Wavix and Slack are connected to directly; set HTTPS_PROXY (and NO_PROXY) for an outbound proxy',
      );
    return undefined;
  }
  // The values read above, not undici's own reading (lower case first): the log names the proxy in use.
  // '' and never undefined: undici reads the environment itself for a variable it is not given.
  const dispatcher = new EnvHttpProxyAgent({
    httpProxy: proxy.http ?? '',
    httpsProxy: proxy.https ?? '',
    noProxy: withLoopback(proxy.noProxy),
  });
  setGlobalDispatcher(dispatcher);
  logger.info(
    'outbound proxy from the environment: Wavix and Slack (its Web API and Socket Mode) go through it, except hosts in NO_PROXY and loopback (localhost, 127.0.0.1, [::1]); PortSIP (the relay, its API, doctor’s checks) is always connected to directly',
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
