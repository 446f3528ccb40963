import { connect, type Socket } from 'node:net';
import { type BoundedServer, createBoundedServer } from '../../src/http/boundedServer.js';
import type { HttpLimits } from '../../src/http/limitsConfig.js';
import { silentLogger } from '../../src/log.js';

/** Limits for a listener under test: short timeouts, everything else as a small deployment has it. */
export const testHttpLimits = (overrides: Partial<HttpLimits> = {}): HttpLimits => ({
  headersTimeoutMs: 5_000,
  requestTimeoutMs: 10_000,
  keepAliveTimeoutMs: 5_000,
  maxConnections: 64,
  shutdownGraceMs: 5_000,
  ...overrides,
});

/**
 * The bounded listener on a loopback port and raw clients of it, for tests that write HTTP byte by byte; `cleanup`
 * (in afterEach) destroys the clients and closes the listener.
 */
export function boundedListeners() {
  let bounded: BoundedServer | undefined;
  const clients: Socket[] = [];
  return {
    async listen(
      handler: Parameters<typeof createBoundedServer>[0],
      limits: HttpLimits,
    ): Promise<{ server: BoundedServer; port: number }> {
      const server = createBoundedServer(handler, limits, silentLogger);
      bounded = server;
      await new Promise<void>((resolve) => server.server.listen(0, '127.0.0.1', resolve));
      const address = server.server.address();
      return { server, port: typeof address === 'object' && address ? address.port : 0 };
    },
    /** A raw connection to `port`, once connected. */
    async connect(port: number): Promise<Socket> {
      const socket = connect(port, '127.0.0.1');
      clients.push(socket);
      await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
      return socket;
    },
    async cleanup(): Promise<void> {
      for (const socket of clients.splice(0)) socket.destroy();
      await bounded?.close();
      bounded = undefined;
    },
  };
}
