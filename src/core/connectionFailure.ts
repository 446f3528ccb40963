/**
 * The kind of a PortSIP attempt that got no HTTP answer, as a fixed phrase chosen by the error (never its text, which
 * names addresses and ports): so that "no HTTP answer" for a mistyped host, a closed port and a wrong certificate are
 * told apart where everyone reads them (alerts, the inbox of a non-admin).
 */
export function connectionFailureKind(error: string, destination?: string): string | null {
  if (/no complete answer within/.test(error)) return 'no answer in time';
  if (/ECONNREFUSED/.test(error)) return 'connection refused';
  if (/ENOTFOUND|EAI_AGAIN/.test(error)) return 'host name not found';
  if (/ETIMEDOUT|ENETUNREACH|EHOSTUNREACH/.test(error)) return 'host unreachable';
  // Checked before the certificate: OpenSSL's words for a plain-HTTP answer to a TLS hello mention SSL too.
  if (speaksNoTls(error)) return 'the server does not speak HTTPS';
  if (offersOnlyOldTls(error)) return 'TLS version or cipher too old';
  if (/certificate|CERT_|self[- ]signed/i.test(error)) return 'TLS certificate not accepted';
  if (/other side closed|ECONNRESET|socket hang up|EPIPE/.test(error)) {
    return destination?.toLowerCase().startsWith('http:')
      ? 'connection closed (the server may expect HTTPS)'
      : 'connection closed';
  }
  return null;
}

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
