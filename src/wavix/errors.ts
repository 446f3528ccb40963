import { connectionCodeKind } from '../core/connectionFailure.js';
import { WavixCallFailure, type WavixErrorKind } from '../core/ports/wavixFailure.js';
import { askedWaitInWords } from '../core/wording.js';

interface WavixErrorInit {
  kind: WavixErrorKind;
  operation: string;
  status?: number;
  wavixMessage?: string;
  attempts: number;
  detail?: string;
  /**
   * Wavix's answer may quote the request (a refused send echoes the SMS text and number): its words then stay on
   * `said`, out of the technical message that reaches logs and the sentence that is stored and shown.
   */
  quotesRequest?: boolean;
  /** Wavix's Retry-After (a 429, a 503), in ms. */
  retryAfterMs?: number;
  /** A web page answered, not Wavix's API: a proxy or firewall in between, most likely (wavix/http.ts). */
  middlebox?: boolean;
  /** The call went through the environment's outbound proxy (src/outboundProxy.ts): not reaching it is the proxy's. */
  throughProxy?: boolean;
  /** A streamed answer (the export) that broke off after this many lines: Wavix was reached, its answer cut. */
  brokeOffAfterLines?: number;
  /** WAVIX_API_URL answered with a redirect (a 3xx), to this address (masked); smsops does not follow one. */
  redirectTo?: string;
}

/**
 * A failed Wavix call, with what a Slack user needs: Wavix's own words, and what to do. It never holds the API key
 * nor the raw HTTP client error (which carries the request headers); `cause` is a sanitised summary.
 */
export class WavixError extends WavixCallFailure {
  readonly operation: string;
  readonly attempts: number;

  constructor(init: WavixErrorInit) {
    const words = init.quotesRequest ? undefined : init.wavixMessage;
    const user = userMessageFor({ ...init, wavixMessage: words });
    const technical = `Wavix ${init.operation} failed: ${init.kind}${init.status ? ` (HTTP ${init.status})` : ''}${
      words ? `: ${words}` : ''
    }${init.detail ? ` [${init.detail}]` : ''} after ${init.attempts} attempt${init.attempts === 1 ? '' : 's'}`;
    super({ ...init, said: init.wavixMessage }, technical, user, init.detail ? { cause: init.detail } : undefined);
    this.name = 'WavixError';
    this.operation = init.operation;
    this.attempts = init.attempts;
  }

  /** Wavix's words (`said`), under the name the adapters read them by. */
  get wavixMessage(): string | undefined {
    return this.said;
  }
}

/** Wavix's own wait when it gave one (an hour's Retry-After is not "a minute"), else the usual one. */
function waitFor(retryAfterMs: number | undefined, usual: string): string {
  return retryAfterMs === undefined || retryAfterMs < 1_000
    ? `try again in ${usual}`
    : `Wavix asks to wait ${askedWaitInWords(retryAfterMs)} before trying again`;
}

/**
 * What a connection failure was, with its code for a search, and what to do: "connection refused" for a blocked port
 * and a certificate refused by a TLS-inspecting proxy were one sentence, with nothing to tell them apart.
 */
function networkWords(code: string | undefined): string {
  const kind = code ? connectionCodeKind(code) : null;
  const what = kind ? `: ${kind} (${code})` : code && code !== 'ERR_NETWORK' ? ` (${code})` : '';
  if (kind === 'TLS certificate not accepted')
    return `${what}. WAVIX_API_URL may name another server, or a TLS-inspecting proxy or firewall answers for Wavix: set NODE_EXTRA_CA_CERTS to a PEM file of its CA and restart smsops, or let smsops through.`;
  if (kind === 'host name not found') return `${what}. Check the host name in WAVIX_API_URL and this host's DNS.`;
  if (kind === 'smsops ran out of open files')
    return `${what}. Raise smsops' open-file limit (\`ulimit -n\`, LimitNOFILE, --ulimit nofile) and restart it.`;
  return `${what}. Check the network and WAVIX_API_URL.`;
}

function userMessageFor(init: WavixErrorInit): string {
  const said = init.wavixMessage ? ` Wavix said: "${init.wavixMessage}".` : '';
  const tries = init.attempts > 1 ? ` after ${init.attempts} attempts` : '';
  if (init.middlebox) {
    const why =
      init.status === 407
        ? 'a proxy asks smsops for a user and password: put them in HTTPS_PROXY (http://user:password@proxy:port)'
        : (init.status ?? 0) >= 500
          ? `a proxy or firewall between smsops and Wavix (or Wavix's own front end) could not get an answer; ${waitFor(init.retryAfterMs, 'a few minutes')}, and if it lasts`
          : 'a proxy, firewall or TLS-inspecting device between smsops and Wavix answered instead of Wavix (it refused, or could not reach Wavix)';
    return `A web page answered instead of Wavix's API (HTTP ${init.status ?? '?'})${tries} when trying to ${init.operation}: ${why}${(init.status ?? 0) >= 500 ? ' check' : '. Check'} that it lets smsops reach WAVIX_API_URL; the Wavix key and account are not in question.`;
  }
  if (init.brokeOffAfterLines !== undefined)
    return `Wavix's answer to ${init.operation} broke off after ${init.brokeOffAfterLines} line${init.brokeOffAfterLines === 1 ? '' : 's'}${init.detail ? ` (${init.detail})` : ''}: the connection was cut while it arrived (by Wavix, ${init.throughProxy ? 'the outbound proxy' : 'a proxy'} or the network), so what was read is not judged as the whole answer. Try again later; if it lasts, check what lies between smsops and Wavix.`;
  if (init.redirectTo !== undefined) {
    // Most often WAVIX_API_URL written with http:// and Wavix sending it to https://. Told as "Wavix refused", the
    // operator looked at the key and the account.
    return `WAVIX_API_URL answered with a redirect (HTTP ${init.status ?? '3xx'}) to ${init.redirectTo || 'another address'} when trying to ${init.operation}: smsops does not follow redirects (they would carry the API key to another address). Set WAVIX_API_URL to the address it redirects to (https://) and restart smsops; the Wavix key and account are not in question.`;
  }
  switch (init.kind) {
    case 'unauthorized':
      return `Wavix refused the API key (401 Unauthorized) when trying to ${init.operation}. Check WAVIX_API_KEY, and that the key is not restricted to other IP addresses.`;
    case 'forbidden':
      return `Wavix does not allow this account or key to ${init.operation} (403).${said} Check the key's scopes, or ask Wavix to enable the service.`;
    case 'not_found':
      return `Wavix could not find it when trying to ${init.operation} (404).${said} It may have been deleted in the Wavix portal.`;
    case 'bad_request':
    case 'validation':
      return `Wavix refused to ${init.operation} (${init.status ?? 'error'}).${said}`;
    case 'rate_limited':
      return `Wavix is rate-limiting requests (429)${tries}; ${waitFor(init.retryAfterMs, 'a minute')}.`;
    case 'server':
      return `Wavix is unavailable right now (${init.status ?? 'server error'})${tries}; ${waitFor(init.retryAfterMs, 'a few minutes')}.`;
    case 'timeout':
      return `Wavix did not answer in time when trying to ${init.operation}${tries}; try again shortly.`;
    case 'cancelled':
      return `smsops stopped waiting for Wavix to ${init.operation}: ${init.detail ?? 'the run was cancelled'}.`;
    case 'network':
      // A proxy that is down or refuses the connection: "check WAVIX_API_URL" sent the operator to the wrong place.
      if (init.throughProxy)
        return `smsops could not reach Wavix through the outbound proxy to ${init.operation}${tries}${init.detail ? ` (${init.detail})` : ''}. Check that the proxy in HTTPS_PROXY (or HTTP_PROXY) is up and lets smsops reach WAVIX_API_URL, or name Wavix's host in NO_PROXY if it is reached directly.`;
      return `smsops could not reach Wavix to ${init.operation}${tries}${networkWords(init.detail)}`;
    case 'invalid_response':
      return `Wavix answered ${init.operation} in a shape smsops does not understand; Wavix may have changed its API. The details are in the smsops log.`;
    case 'too_large':
      return `smsops stopped when trying to ${init.operation}: ${init.detail ?? 'the answer was too large'}. Try again later; if it persists, ask Wavix support.`;
    case 'listing_too_long':
      return `smsops stopped reading Wavix's listing when trying to ${init.operation}: ${init.detail ?? 'it was longer than smsops reads'}.`;
    case 'runaway_listing':
      return `smsops stopped reading Wavix's answer when trying to ${init.operation}: ${init.detail ?? 'the listing did not end'}. Try again later; if it persists, ask Wavix support.`;
  }
}
