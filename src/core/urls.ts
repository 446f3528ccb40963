/**
 * URLs as people paste them. PortSIP's inbound webhook URLs have spaces in their path (".../sms/Wavix - Asia/<uuid>"),
 * so they are stored exactly as copied and percent-encoded only at the moment a request is made.
 */
export function encodeCopiedUrl(raw: string): string {
  return raw.replaceAll(' ', '%20');
}

/** Whether a pasted value is an http(s) URL once its spaces are encoded. */
export function isHttpUrl(raw: string): boolean {
  try {
    const url = new URL(encodeCopiedUrl(raw));
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}
