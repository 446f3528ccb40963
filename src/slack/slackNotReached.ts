import { connectionFailureCode, connectionFailureInWords } from '../core/connectionFailure.js';

/** An error and its causes (fetch's "fetch failed" holds the connection's error, with its code, as its cause). */
function causeChainText(error: unknown): string {
  const parts: string[] = [];
  for (let e = error, depth = 0; e && depth < 4; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') parts.push(code);
    parts.push(e instanceof Error ? e.message : String(e));
  }
  return parts.join(' ');
}

/**
 * Why a Slack Web API call never reached Slack (DNS, a refused or cut connection, a certificate a proxy presents), in
 * words with its code and never an address; undefined when Slack was reached (or the error is not a request error).
 * "fetch failed" said nothing, and "Slack refused" was wrong: Slack never saw the call.
 */
export function slackNotReachedWords(error: unknown): string | undefined {
  if ((error as { code?: unknown } | null)?.code !== 'slack_webapi_request_error') return undefined;
  const chain = causeChainText((error as { original?: unknown }).original);
  // A code the words do not name (EPERM from an egress firewall, EADDRNOTAVAIL) is still no answer from Slack: its
  // text ("connect EPERM 52.1.2.3:443 - Local (…)") was stored and said as "Slack refused the post".
  const code = connectionFailureCode(chain);
  return (
    connectionFailureInWords(chain) ??
    (code && /^(E(?!RR_)[A-Z]|UND_ERR_)/.test(code) ? `the connection failed (${code})` : undefined)
  );
}
