import { createServer, request as httpRequest, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A proxy in front of a Wavix stand-in that passes one chosen call through and keeps its answer: Wavix acted, smsops
 * never hears back (as when it is killed or stopped at that moment). Every other call is passed both ways.
 */
export interface AnswerLosingProxy {
  url: string;
  /** Resolves with Wavix's status once it answered the chosen call (the answer is then held, never sent on). */
  answered: Promise<number>;
  close(): Promise<void>;
}

export async function startAnswerLosingProxy(target: string, lose: { method: string; path: string }): Promise<AnswerLosingProxy> {
  let lost = false;
  let tellAnswered: (status: number) => void = () => {};
  const answered = new Promise<number>((resolve) => (tellAnswered = resolve));
  const held: ServerResponse[] = [];
  const to = new URL(target);
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const losing = !lost && req.method === lose.method && (req.url ?? '').startsWith(lose.path);
    if (losing) lost = true;
    const upstream = httpRequest(
      { host: to.hostname, port: to.port, method: req.method, path: req.url, headers: { ...req.headers, host: to.host } },
      (answer) => {
        const body: Buffer[] = [];
        answer.on('data', (chunk: Buffer) => body.push(chunk));
        answer.on('end', () => {
          if (losing) {
            held.push(res);
            tellAnswered(answer.statusCode ?? 0);
            return;
          }
          res.writeHead(answer.statusCode ?? 502, answer.headers).end(Buffer.concat(body));
        });
      },
    );
    upstream.on('error', () => res.writeHead(502).end());
    upstream.end(Buffer.concat(chunks));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    answered,
    close: async () => {
      for (const res of held) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
