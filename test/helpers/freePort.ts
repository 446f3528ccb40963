import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';

/**
 * A TCP port free right now on 127.0.0.1, for a child process to listen on a moment later.
 *
 * Not `listen(0)`: the kernel hands that out from its ephemeral range, the same range every outgoing connection's
 * local port comes from. Between the check and the child's `listen`, a client in another test (a flood of 300
 * connections, say) could take it, and the child failed with EADDRINUSE (CI, 2026-11-27). Ports below the ephemeral
 * range are only ever taken by a listener, so only another test's own pick can collide: picked at random, checked by
 * binding, and never handed out twice by this process.
 */
const handedOut = new Set<number>();

function ephemeralRangeStart(): number {
  try {
    const [low] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number);
    if (low !== undefined && Number.isInteger(low)) return low;
  } catch {
    // Not Linux: IANA's dynamic range starts at 49152 (macOS and Windows use it).
  }
  return 49152;
}

function bindable(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen({ port, host: '127.0.0.1', exclusive: true }, () => server.close(() => resolve(true)));
  });
}

function kernelPick(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export async function freePort(): Promise<number> {
  const low = 10_000;
  const high = ephemeralRangeStart() - 1;
  if (high - low < 1_000) return kernelPick();
  for (let attempt = 0; attempt < 100; attempt++) {
    const port = low + Math.floor(Math.random() * (high - low + 1));
    if (handedOut.has(port)) continue;
    if (await bindable(port)) {
      handedOut.add(port);
      return port;
    }
  }
  return kernelPick();
}
