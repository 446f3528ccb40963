import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * Starts listening and resolves with the base URL actually bound (port 0 picks a free one). A failure to bind (port
 * taken, no permission) rejects instead of surfacing later as an unhandled 'error' event. `portVariable`, when the
 * port is a setting, is named in the words: the sandbox's is not PORT, which would start smsops for real.
 */
export async function listen(server: Server, port: number, host: string, portVariable?: string): Promise<string> {
  await new Promise<void>((resolve, reject) => {
    // The code kept: callers tell a taken port from the rest by it (the sandbox's sink then takes another).
    const refused = (error: NodeJS.ErrnoException) =>
      reject(Object.assign(new Error(listenFailure(error, port, host, portVariable), { cause: error }), { code: error.code }));
    server.once('error', refused);
    server.listen(port, host, () => {
      server.off('error', refused);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return `http://${shownHost}:${address.port}`;
}

/**
 * Node's words ("getaddrinfo ENOTFOUND x") told as what to do. The process still exits 1, not 2: each can pass by itself
 * (the port freed, DNS up after boot), and a supervisor restarts only what exits 1.
 */
function listenFailure(error: Error, port: number, host: string, portVariable?: string): string {
  const code = (error as NodeJS.ErrnoException).code;
  const where = `${host}:${port}`;
  const another = portVariable ? `another port with ${portVariable}` : 'another port';
  switch (code) {
    case 'EADDRINUSE':
      return `cannot listen on ${where}: the port is taken by another process (EADDRINUSE); stop it or choose ${another}`;
    case 'EADDRNOTAVAIL':
      return `cannot listen on ${where}: ${host} is not an address of this machine (EADDRNOTAVAIL); use 0.0.0.0, 127.0.0.1 or one of its own addresses`;
    case 'EACCES':
      return `cannot listen on ${where}: this process may not use port ${port} (EACCES); use a port above 1023${portVariable ? ` (${portVariable})` : ''} behind the proxy, or grant it CAP_NET_BIND_SERVICE`;
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
    case 'EAI_FAIL':
      return `cannot listen on ${where}: the host name ${host} could not be resolved (${code}); use an IP address, or a name this machine resolves`;
    default:
      return `cannot listen on ${where}: ${error.message}`;
  }
}
