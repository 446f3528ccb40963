import type { Logger } from '../log.js';

/** The most connections smsops opens to one PortSIP host: its pool before the descriptor limit was counted. */
export const MAX_PORTSIP_CONNECTIONS = 64;

/** Fewer would leave the relay slower than one PBX answering in 100 ms can take a busy hour. */
const MIN_PORTSIP_CONNECTIONS = 4;

/**
 * Descriptors smsops holds besides its listener's connections and PortSIP's: 30-35 when idle (stdio, the database and
 * its WAL and shared memory, libuv's pipes, event and epoll descriptors, the listening socket), 37 at most with the
 * Slack leg posting through a burst (test/integration/portsipDescriptors.test.ts), and room for Wavix's connections,
 * a backup's copy, and the connections accepted above the cap for the moment it takes to close one.
 */
export const OTHER_DESCRIPTORS = 56;

/**
 * The PortSIP connections that fit beside a listener at its cap. Uncounted, the relay's pool (kept alive as long as
 * the PBX allows) took the descriptors the listener needed: under `ulimit -n 256` with the listener at its cap, a
 * burst of webhooks had 246 of 600 connections closed unanswered (accept() failed with EMFILE: libuv closes such a
 * connection itself and Node is never told, so nothing was logged or counted). The relay sends no more attempts at once than this, since an attempt waiting for a connection
 * spends its deadline in undici's queue.
 */
export function portsipConnections(fdLimit: number | undefined, maxConnections: number): number {
  if (fdLimit === undefined) return MAX_PORTSIP_CONNECTIONS;
  const left = fdLimit - maxConnections - OTHER_DESCRIPTORS;
  return Math.max(MIN_PORTSIP_CONNECTIONS, Math.min(MAX_PORTSIP_CONNECTIONS, left));
}

/** portsipConnections for this process, said at start when it holds the relay below RELAY_CONCURRENCY. */
export function portsipConnectionsAtStart(
  options: { fdLimit: number | undefined; maxConnections: number; relayConcurrency: number },
  logger: Pick<Logger, 'warn'>,
): number {
  const connections = portsipConnections(options.fdLimit, options.maxConnections);
  if (connections < options.relayConcurrency)
    logger.warn(
      'the relay sends at most this many PortSIP attempts at once, below RELAY_CONCURRENCY: the open-file limit leaves no more descriptors beside HTTP_MAX_CONNECTIONS; raise it (ulimit -n, systemd LimitNOFILE=, docker run --ulimit nofile=) to relay faster',
      {
        portsipConnections: connections,
        relayConcurrency: options.relayConcurrency,
        openFileLimit: options.fdLimit,
        maxConnections: options.maxConnections,
      },
    );
  return connections;
}
