/**
 * The kind of a PortSIP attempt that got no HTTP answer, as a fixed phrase chosen by the error (never its text, which
 * names addresses and ports): so that "no HTTP answer" for a mistyped host, a closed port and a wrong certificate are
 * told apart where everyone reads them (alerts, the inbox of a non-admin).
 */
export function connectionFailureKind(error: string, destination?: string): string | null {
  if (error.startsWith(NOT_RESOLVED_WITHIN)) return 'host name did not resolve in time (DNS)';
  if (/no complete answer within|Headers Timeout Error|Body Timeout Error|UND_ERR_(HEADERS|BODY)_TIMEOUT/.test(error))
    return 'no answer in time';
  if (/EMFILE|ENFILE/.test(error)) return 'smsops ran out of open files';
  if (/ECONNREFUSED/.test(error)) return 'connection refused';
  if (/ENOTFOUND|EAI_AGAIN/.test(error)) return 'host name not found';
  // EINVAL on connect: a blackhole route to the address (`ip route add blackhole`); a connect timeout: never accepted.
  if (/ETIMEDOUT|ENETUNREACH|EHOSTUNREACH|connect EINVAL|Connect Timeout Error|UND_ERR_CONNECT_TIMEOUT/.test(error))
    return 'host unreachable';
  // Before the certificate: no certificate was read, the server (or a device on the way) hung up mid-handshake.
  if (TLS_HANDSHAKE_CUT.test(error)) return 'connection closed during the TLS handshake';
  // Checked before the certificate: OpenSSL's words for a plain-HTTP answer to a TLS hello mention SSL too.
  if (speaksNoTls(error)) return 'the server does not speak HTTPS';
  if (offersOnlyOldTls(error)) return 'TLS version or cipher too old';
  if (/certificate|CERT_|self[- _]signed|UNABLE_TO_(VERIFY|GET)/i.test(error)) return 'TLS certificate not accepted';
  if (/other side closed|ECONNRESET|socket hang up|EPIPE/.test(error)) {
    return destination?.toLowerCase().startsWith('http:')
      ? 'connection closed (the server may expect HTTPS)'
      : 'connection closed';
  }
  return null;
}

/** How a PortSIP attempt whose host name was still being resolved at its deadline is recorded (the PBX never asked). */
export const NOT_RESOLVED_WITHIN = 'the host name did not resolve within';

/** An https:// URL at a port answering plain HTTP: OpenSSL reads the HTTP answer as a bad TLS record. */
export const speaksNoTls = (error: string) =>
  /wrong version number|packet length too long|unknown protocol|http request/i.test(error);

/**
 * A server that offers only TLS 1.0/1.1 or old ciphers (Node asks for TLS 1.2 or later): OpenSSL's words name an alert
 * or a version, not the certificate, and the certificate itself may be fine, so renewing it would change nothing.
 */
export const offersOnlyOldTls = (error: string) =>
  /alert protocol version|unsupported protocol|no protocols available|version too low|no shared cipher|alert handshake failure|no cipher/i.test(
    error,
  );

/** The server closed the connection before the TLS handshake ended: Node's words (its code is ECONNRESET). */
export const TLS_HANDSHAKE_CUT = /socket disconnected before secure TLS connection/i;

/** Node's certificate messages, each with the code that is searched for (the relay records the message only). */
const CERTIFICATE_CODES: ReadonlyArray<[RegExp, string]> = [
  [/Hostname\/IP does not match/i, 'ERR_TLS_CERT_ALTNAME_INVALID'],
  [/certificate has expired/i, 'CERT_HAS_EXPIRED'],
  [/certificate is not yet valid/i, 'CERT_NOT_YET_VALID'],
  [/self[- ]signed certificate in certificate chain/i, 'SELF_SIGNED_CERT_IN_CHAIN'],
  [/self[- ]signed certificate/i, 'DEPTH_ZERO_SELF_SIGNED_CERT'],
  [/unable to verify the first certificate/i, 'UNABLE_TO_VERIFY_LEAF_SIGNATURE'],
  [/unable to get local issuer certificate/i, 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY'],
  [/unable to get issuer certificate/i, 'UNABLE_TO_GET_ISSUER_CERT'],
];

/** undici's messages, which carry no code in their text. */
const UNDICI_CODES: ReadonlyArray<[RegExp, string]> = [
  [/Connect Timeout Error/, 'UND_ERR_CONNECT_TIMEOUT'],
  [/Headers Timeout Error/, 'UND_ERR_HEADERS_TIMEOUT'],
  [/Body Timeout Error/, 'UND_ERR_BODY_TIMEOUT'],
  [/other side closed/, 'UND_ERR_SOCKET'],
  [/socket hang up/, 'ECONNRESET'],
  [TLS_HANDSHAKE_CUT, 'ECONNRESET'],
];

/**
 * The short, searchable name of a connection failure as recorded (an error's message): its code (ECONNREFUSED,
 * UND_ERR_SOCKET, CERT_HAS_EXPIRED), or for OpenSSL's own text ("80FC…:error:0A00042E:SSL routines:ssl3_read_bytes:tlsv1
 * alert protocol version") Node's code for its reason (ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION, which the relay does
 * not record). Never an address: it may be shown where anyone reads it, in brackets
 * after the words. Null when the text names none.
 */
export function connectionFailureCode(error: string): string | null {
  // First: Node prefixes OpenSSL's text with a bare EPROTO ("write EPROTO 80FC…"), which says nothing of which.
  const openssl = /SSL routines:[^:]*:([^:\n…]+)/.exec(error)?.[1]?.trim();
  if (openssl) return `ERR_SSL_${openssl.toUpperCase().replace(/[^A-Z0-9]+/g, '_')}`;
  const code = /\b(E[A-Z][A-Z0-9_]{2,}|UND_ERR_[A-Z_]+|CERT_[A-Z_]+)\b/.exec(error)?.[1];
  if (code) return code;
  for (const [pattern, name] of [...CERTIFICATE_CODES, ...UNDICI_CODES]) if (pattern.test(error)) return name;
  return null;
}

/**
 * A failed connection's code (axios' `error.code`, all the Wavix and PortSIP API clients keep of it) as the fixed
 * phrase of `connectionFailureKind`: ERR_SSL_WRONG_VERSION_NUMBER is read as OpenSSL's "wrong version number".
 */
export function connectionCodeKind(code: string): string | null {
  const openssl = /^ERR_SSL_(.+)$/.exec(code)?.[1]?.toLowerCase().replaceAll('_', ' ');
  return connectionFailureKind(openssl ?? `connect ${code}`);
}

/**
 * A connection failure (no HTTP answer) as a person reads it: the fixed phrase, then its code in brackets for a search
 * (`connection refused (ECONNREFUSED)`), never the library's text. Null when the kind is not known.
 */
export function connectionFailureInWords(error: string, destination?: string, brackets: '()' | '[]' = '()'): string | null {
  const kind = connectionFailureKind(error, destination);
  if (!kind) return null;
  const code = connectionFailureCode(error);
  return code ? `${kind} ${brackets[0]}${code}${brackets[1]}` : kind;
}

/**
 * Node says EPROTO for every TLS failure OpenSSL words itself (an old TLS version, plain HTTP on an https:// URL): the
 * code of OpenSSL's reason instead (only a code, never the message), so the user is told which.
 */
export const refinedCode = (code: string, said: string) =>
  code === 'EPROTO' || code === 'ERR_NETWORK' ? (connectionFailureCode(said) ?? code) : code;

/** What the relay records of a Slack call that never reached Slack, before the failure's words. */
export const SLACK_NOT_REACHED = 'Slack not reached: ';

/** What the relay records of a Slack call answered by an HTTP error (a proxy's page, Slack's 503), before its status. */
export const SLACK_ANSWERED_HTTP = 'Slack answered HTTP ';

/**
 * What the relay records of a PortSIP attempt cut by smsops' own stop: undici's own words ("The client is destroyed") say
 * nothing to an operator. smsops' words with no address, so said as they are wherever it is shown.
 */
export const STOPPED_MID_ATTEMPT = 'smsops stopped before PortSIP answered';

/**
 * What the relay records of an SMS not posted because its route's Retry-After, answered to another SMS, runs: the
 * start of the words, then that answer's status. Said as it is (smsops' words with no address). Told as "the attempt
 * failed before PortSIP answered" (and "no HTTP answer" to non-admins) while PortSIP had answered 503.
 */
export const ROUTE_HELD = 'not sent: PortSIP asked this route to wait (Retry-After)';
export const routeHeldError = (status: number | null) =>
  `${ROUTE_HELD}${status ? `, answering HTTP ${status} to another SMS` : ''}; one SMS tries the route every 5 s until it ends`;
