import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { listen } from '../../http/listen.js';
import { sendText } from './answer.js';

export interface StandInServer {
  /** Base URL, e.g. `http://127.0.0.1:41234` (no trailing slash). */
  url: string;
  close(): Promise<void>;
}

export type StandInHandler = (req: IncomingMessage, res: ServerResponse) => Promise<void> | void;

/**
 * The one way a stand-in listens: loopback and a free port unless told otherwise. A handler that throws is answered
 * 500 (or its half-sent answer ended) instead of leaving the client waiting. `close` also drops idle keep-alive
 * connections, so a test's teardown never waits for a client's pool.
 */
export async function startStandInServer(
  handler: StandInHandler,
  options: { host?: string | undefined; port?: number | undefined } = {},
): Promise<StandInServer> {
  const server = createServer((req, res) => {
    Promise.resolve()
      .then(() => handler(req, res))
      .catch(() => {
        if (res.headersSent) res.end();
        else sendText(res, 500, 'internal error');
      });
  });
  const url = await listen(server, options.port ?? 0, options.host ?? '127.0.0.1');
  return {
    url,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
