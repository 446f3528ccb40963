import type { IncomingMessage } from 'node:http';

export const DEFAULT_BODY_LIMIT = 1024 * 1024;

/**
 * The request body, or null when it exceeds `limit` bytes. Past the limit the rest is read and dropped rather than
 * kept or left on the socket: memory stays bounded and a keep-alive connection stays usable for the answer.
 */
export function readBody(req: IncomingMessage, limit = DEFAULT_BODY_LIMIT): Promise<Buffer | null> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) chunks.push(chunk);
    });
    req.on('end', () => resolve(size > limit ? null : Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

export type JsonBody = { kind: 'json'; value: unknown } | { kind: 'empty' } | { kind: 'tooLarge' } | { kind: 'malformed' };

/** The body parsed as JSON; an empty body is told apart so each stand-in answers it as the system it imitates. */
export async function readJsonBody(req: IncomingMessage, limit = DEFAULT_BODY_LIMIT): Promise<JsonBody> {
  const raw = await readBody(req, limit);
  if (raw === null) return { kind: 'tooLarge' };
  if (raw.length === 0) return { kind: 'empty' };
  try {
    return { kind: 'json', value: JSON.parse(raw.toString('utf8')) };
  } catch {
    return { kind: 'malformed' };
  }
}

/** An application/x-www-form-urlencoded body, or null when it exceeds `limit` bytes. */
export async function readFormBody(req: IncomingMessage, limit = DEFAULT_BODY_LIMIT): Promise<URLSearchParams | null> {
  const raw = await readBody(req, limit);
  return raw === null ? null : new URLSearchParams(raw.toString('utf8'));
}
