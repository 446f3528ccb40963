import { isIP, connect as tcpConnect } from 'node:net';
import { checkServerIdentity, connect as tlsConnect } from 'node:tls';
import { type GuardedLookup, guardedLookup } from '../core/destinationGuard.js';
import { type PortsipProbes, ProbeHung, type TlsFacts } from '../core/doctor/types.js';

// `/sms doctor`'s connections to the PortSIP URLs smsops relays to (core/doctor/portsipRoutes.ts words what they show).

/** Whether the probe that hung was still waiting for its host name (its lookup, shared with the relay's, still runs). */
const stillResolving = (lookup: GuardedLookup, host: string) => isIP(host) === 0 && lookup.resolvingSince(host) !== undefined;

function tcpProbe(lookup: GuardedLookup, host: string, port: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    // The relay's own guard: a name resolving to a refused address (link-local, metadata) is not connected to either.
    const socket = tcpConnect({ host, port, lookup });
    // A destroyed socket emits no error: the probe ends here, or it would wait for ever (a name still resolving).
    const abort = () => {
      socket.destroy();
      reject(new ProbeHung(false, stillResolving(lookup, host)));
    };
    if (signal.aborted) return abort();
    signal.addEventListener('abort', abort, { once: true });
    socket.once('connect', () => {
      signal.removeEventListener('abort', abort);
      socket.destroy();
      resolve();
    });
    socket.once('error', (error) => {
      signal.removeEventListener('abort', abort);
      reject(error);
    });
  });
}

/**
 * A TLS handshake with the certificate verified as the relay's HTTPS requests verify it (Node's CA store, hostname),
 * but not refused on failure, so the reason can be told in words. The connection is closed at once.
 */
function tlsProbe(
  lookup: GuardedLookup,
  host: string,
  port: number,
  { signal, ca }: { signal: AbortSignal; ca: string[] | undefined },
): Promise<TlsFacts> {
  return new Promise((resolve, reject) => {
    const socket = tlsConnect({
      host,
      port,
      lookup,
      ...(isIP(host) ? {} : { servername: host }),
      rejectUnauthorized: false,
      ...(ca ? { ca } : {}),
    });
    let connected = false;
    socket.once('connect', () => {
      connected = true;
    });
    const abort = () => {
      socket.destroy();
      reject(new ProbeHung(connected, !connected && stillResolving(lookup, host)));
    };
    if (signal.aborted) return abort();
    signal.addEventListener('abort', abort, { once: true });
    socket.once('secureConnect', () => {
      signal.removeEventListener('abort', abort);
      const certificate = socket.getPeerCertificate(false);
      const error = socket.authorized ? null : String(socket.authorizationError ?? 'unknown');
      socket.destroy();
      resolve({ authorizationError: error, hostnameMismatch: checkServerIdentity(host, certificate) !== undefined, certificate });
    });
    socket.once('error', (error) => {
      signal.removeEventListener('abort', abort);
      reject(error);
    });
  });
}

/** The probes through `lookup` (a test's resolver); `portsipConnectionProbes` through the relay's own. */
export function createPortsipConnectionProbes(lookup: GuardedLookup = guardedLookup): PortsipProbes {
  return {
    tcp: (host, port, signal) => tcpProbe(lookup, host, port, signal),
    tls: (host, port, options) => tlsProbe(lookup, host, port, options),
  };
}

/** The probes as `/sms doctor` uses them (DoctorDeps.portsipProbes). */
export const portsipConnectionProbes: PortsipProbes = createPortsipConnectionProbes();
