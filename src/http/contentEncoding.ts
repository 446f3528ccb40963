import { brotliDecompressSync, gunzipSync, inflateSync } from 'node:zlib';

/** A proxy compresses once; two allow for one that compresses what another already did. */
const MAX_CODINGS = 2;

export type Decoded = { ok: true; body: Buffer } | { ok: false; status: 400 | 413 | 415; reason: string };

const DECODERS: Record<string, (body: Buffer, options: { maxOutputLength: number }) => Buffer> = {
  gzip: gunzipSync,
  'x-gzip': gunzipSync,
  deflate: inflateSync,
  br: brotliDecompressSync,
};

/**
 * A webhook body as sent before its Content-Encoding (RFC 9110 §8.4; codings applied in order, undone in reverse). Wavix
 * does not say it compresses its webhooks, but a proxy in front of smsops may, and a body refused as "not JSON" would
 * never be stored however often it is sent. Decompressed at most to `limit` bytes, the limit a plain body has, so a
 * small bomb is refused (413) without being inflated.
 */
export function decodeContent(body: Buffer, header: string | undefined, limit: number): Decoded {
  const codings = (header ?? '')
    .split(',')
    .map((coding) => coding.trim().toLowerCase())
    .filter((coding) => coding !== '' && coding !== 'identity');
  // Each layer inflates the whole body again: a thousand `gzip` layers held the event loop 200 ms for one webhook.
  if (codings.length > MAX_CODINGS)
    return {
      ok: false,
      status: 415,
      reason: `${codings.length} Content-Encodings stacked; smsops undoes at most ${MAX_CODINGS}`,
    };
  let decoded = body;
  for (const coding of codings.reverse()) {
    const decode = DECODERS[coding];
    if (!decode)
      return {
        ok: false,
        status: 415,
        reason: `Content-Encoding ${JSON.stringify(coding.slice(0, 40))} is not accepted: send the body plain, or gzip, deflate or br`,
      };
    try {
      decoded = decode(decoded, { maxOutputLength: limit });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE')
        return { ok: false, status: 413, reason: `body is over the ${limit / 1024} KB limit once decompressed (${coding})` };
      return { ok: false, status: 400, reason: `the body is not valid ${coding} data, as its Content-Encoding says` };
    }
  }
  return { ok: true, body: decoded };
}
