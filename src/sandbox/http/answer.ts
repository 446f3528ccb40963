import type { ServerResponse } from 'node:http';

/** What a stand-in route answers: a JSON body, or `text` sent as is with its own content type. */
export interface Answer {
  status: number;
  body?: unknown;
  text?: { content: string | Buffer; contentType: string };
  headers?: Record<string, string>;
}

/** Writes the answer; gives back the bytes of its body. */
export function sendAnswer(res: ServerResponse, answer: Answer): number {
  const content = answer.text ? answer.text.content : answer.body === undefined ? '' : JSON.stringify(answer.body);
  const contentType = answer.text ? answer.text.contentType : 'application/json';
  res.writeHead(answer.status, {
    ...(content.length > 0 ? { 'content-type': contentType } : {}),
    'content-length': String(Buffer.byteLength(content)),
    ...answer.headers,
  });
  res.end(content);
  return Buffer.byteLength(content);
}

/** JSON with its charset named, as Slack and the console's own API answer. */
export const sendJson = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): number =>
  sendAnswer(res, { status, body, headers: { 'content-type': 'application/json; charset=utf-8', ...headers } });

export const sendText = (res: ServerResponse, status: number, content: string): number =>
  sendAnswer(res, { status, text: { content, contentType: 'text/plain' } });
