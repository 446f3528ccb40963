import { fstatSync, readFileSync, readlinkSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { behindTlsProxy } from '../envHost.js';
import { AppError, err, ok, type Result } from '../errors.js';

/**
 * systemd socket activation (deploy/smsops.socket): systemd holds the listening socket and hands it to each smsops it
 * starts, so a restart or an upgrade leaves no moment with nothing listening. A webhook arriving between two processes
 * waits in the socket's backlog and is answered by the next one, instead of meeting a refused connection: Wavix does
 * not document whether it sends a refused webhook again (/work/shared/wavix/notes.md), so a refusal may lose an SMS.
 */
export interface InheritedSocket {
  fd: number;
  /** LISTEN_FDNAMES' name for it (systemd: the socket unit's name, or its FileDescriptorName=); for the log only. */
  name?: string;
}

/** sd_listen_fds(3): the first socket passed is descriptor 3 (SD_LISTEN_FDS_START). */
const FIRST_FD = 3;

/**
 * What the kernel keeps queued while no smsops accepts (between a stop and the next start's listen), also set by
 * deploy/smsops.socket's Backlog=. Node calls listen() again on the socket it is given, with its own 511 unless told,
 * and the last listen() is what holds during the next restart: so this, not the unit, decides after the first start.
 * 4096 is Linux's default cap (net.core.somaxconn since 5.4; a lower cap wins): a burst of webhooks at a few hundred a
 * second over a 4 s restart fits. Connections past it are not refused: their SYNs are dropped and the sender retries.
 */
export const SOCKET_BACKLOG = 4096;

const VARIABLES = ['LISTEN_PID', 'LISTEN_FDS', 'LISTEN_FDNAMES'] as const;

export type SocketActivation = { socket?: InheritedSocket; warning?: string };

/**
 * Reads the sd_listen_fds protocol from the environment and removes its variables, so a process smsops starts (none
 * today) does not take the descriptor for its own. As systemd's own sd_listen_fds(), the variables are this process's
 * only when LISTEN_PID is its pid: systemd sets it in the child it forks, before exec, and `env` and `exec` keep the
 * pid, so deploy/smsops.service's ExecStart matches; an npm or a shell that forks node in between does not, and a
 * LISTEN_PID left unset is no one's either. Such variables are ignored (smsops binds PORT), with a warning, since
 * binding PORT then fails on the port systemd holds. LISTEN_FDS for this process naming anything but one listening
 * TCP socket is refused: every start would fail the same way.
 */
export function takeSystemdSocket(
  env: Record<string, string | undefined> = process.env,
  pid: number = process.pid,
): Result<SocketActivation> {
  const listenPid = env.LISTEN_PID?.trim();
  const listenFds = env.LISTEN_FDS?.trim();
  const names = env.LISTEN_FDNAMES;
  for (const name of VARIABLES) delete env[name];
  if (listenFds === undefined || listenFds === '') return ok({});
  if (listenPid !== String(pid)) {
    const whose = listenPid ? `LISTEN_PID=${listenPid}, another process` : 'no LISTEN_PID';
    return ok({
      warning: `LISTEN_FDS is set with ${whose} (this one is ${pid}): the socket systemd passed is not for this process, so smsops binds PORT instead. Under systemd, ExecStart= must run node itself (directly, or through env or exec), not through npm or a shell that forks it`,
    });
  }
  const count = Number(listenFds);
  if (!Number.isInteger(count) || count < 1) return err(refusal(`LISTEN_FDS=${listenFds} is not a number of sockets`));
  if (count > 1)
    return err(
      refusal(
        `systemd passed ${count} sockets (LISTEN_FDS=${count}); smsops listens on one: give deploy/smsops.socket one ListenStream= line`,
      ),
    );
  const problem = notListeningTcp(FIRST_FD);
  if (problem) return err(refusal(problem));
  const name = names?.split(':')[0];
  return ok({ socket: { fd: FIRST_FD, ...(name ? { name } : {}) } });
}

const refusal = (words: string) =>
  new AppError(`cannot listen on the socket systemd passed: ${words}`, 'smsops could not start its HTTP listener.');

/**
 * Why descriptor `fd` is not a listening TCP socket, or undefined when it is. Node would take a TCP socket not yet
 * listening and listen on it, on whatever port the kernel picks, or a UNIX one, where Wavix cannot reach it: read from
 * /proc, which the unit's ProtectProc=invisible leaves to the process itself (systemd runs only on Linux).
 */
function notListeningTcp(fd: number): string | undefined {
  let link: string;
  try {
    if (!fstatSync(fd).isSocket()) return `descriptor ${fd} is not a socket (LISTEN_FDS is set, so it should be)`;
    link = readlinkSync(`/proc/self/fd/${fd}`);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EBADF') return `descriptor ${fd} is not open (LISTEN_FDS is set, so it should be)`;
    // Without /proc the kind cannot be read here: listenOnSocket checks what Node made of it.
    if (code === 'ENOENT') return undefined;
    return `descriptor ${fd} could not be examined (${code ?? 'unknown error'})`;
  }
  const inode = /^socket:\[(\d+)\]$/.exec(link)?.[1];
  // /proc/self/net/tcp{,6}: "sl local rem st ... uid timeout inode"; state 0A is LISTEN.
  for (const table of ['tcp', 'tcp6']) {
    let text = '';
    try {
      text = readFileSync(`/proc/self/net/${table}`, 'utf8');
    } catch {
      return undefined;
    }
    for (const line of text.split('\n').slice(1)) {
      const fields = line.trim().split(/\s+/);
      if (fields[9] !== inode) continue;
      return fields[3] === '0A'
        ? undefined
        : `descriptor ${fd} is a TCP socket that is not listening (a connection, or one never listened on): ListenStream= makes a listening one`;
    }
  }
  return `descriptor ${fd} is not a TCP socket (a UNIX or UDP one?): deploy/smsops.socket's ListenStream= must be a port or an address:port`;
}

/** The start's log says where smsops listens, and that HOST and PORT do not choose it. */
export const systemdSocketWords = (socket: InheritedSocket): string =>
  `the socket systemd passed (descriptor ${socket.fd}${socket.name ? `, ${socket.name}` : ''}); HOST and PORT are not used`;

/**
 * The socket's counterpart of HOST unset (../envHost.ts): ListenStream=3000 listens on every address, so behind a TLS
 * proxy on this machine /metrics and /healthz answer whoever reaches the port around it. Undefined when it is not so.
 */
export function socketOnEveryAddress(address: AddressInfo, publicBaseUrl: string | undefined): string | undefined {
  if (!['0.0.0.0', '::'].includes(address.address) || !behindTlsProxy(publicBaseUrl)) return undefined;
  return `the socket systemd passed listens on every address of this machine, in plain HTTP on port ${address.port}: whoever reaches that port reads /metrics and /healthz without going through the TLS proxy of PUBLIC_BASE_URL. With the proxy on this machine, set ListenStream=127.0.0.1:${address.port} in smsops.socket (HOST is not read under the socket); if other hosts must reach the port, firewall it`;
}

/** Listens on the inherited socket; resolves with the URL of what it is bound to, as `listen` does for PORT. */
export async function listenOnSocket(server: Server, socket: InheritedSocket): Promise<string> {
  await new Promise<void>((resolve, reject) => {
    const refused = (error: Error) => reject(refusal(`descriptor ${socket.fd}: ${error.message}`));
    server.once('error', refused);
    server.listen({ fd: socket.fd, backlog: SOCKET_BACKLOG }, () => {
      server.off('error', refused);
      resolve();
    });
  });
  const address = server.address();
  if (address === null || typeof address === 'string') {
    server.close();
    throw refusal(`descriptor ${socket.fd} is not a TCP socket (${address ?? 'no address'})`);
  }
  const { address: host, family, port } = address as AddressInfo;
  return `http://${family === 'IPv6' ? `[${host}]` : host}:${port}`;
}
