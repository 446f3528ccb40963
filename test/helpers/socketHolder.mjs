/**
 * systemd's part in socket activation, for tests: holds one listening socket and runs a command on it `runs` times,
 * one after the other (a restart: the next starts once the last exited), as descriptor 3 with LISTEN_FDS=1,
 * LISTEN_FDNAMES and LISTEN_PID.
 *
 * `node socketHolder.mjs <port> <runs> <command> [args...]`; prints "holder started pid <pid>" as each run starts.
 *
 * Why a process of its own, blocked in spawnSync: a Node process with a listening server accepts connections on it
 * whenever its event loop runs, and would take the very webhooks a test wants queued for the next smsops (systemd
 * never accepts on a socket whose service runs). spawnSync runs the child on a loop of its own, so this process's
 * loop, and with it the accepting, never runs again after the socket is made.
 *
 * LISTEN_PID: systemd sets it in the child after fork, before exec, to the child's own pid (sd_listen_fds() ignores
 * the variables otherwise). Node cannot set the environment between fork and exec, so a shell does: `$$` is its pid,
 * which `exec` hands on to the command.
 */
import { spawnSync } from 'node:child_process';
import { createServer } from 'node:net';

const [port, runs, command, ...args] = process.argv.slice(2);
const server = createServer();
server.listen({ port: Number(port), host: '127.0.0.1', backlog: 4096 }, () => {
  // Node's handle keeps the descriptor in `fd`: the number spawnSync passes on (it takes no handle).
  const fd = server._handle.fd;
  for (let run = 1; run <= Number(runs); run++) {
    const result = spawnSync(
      'sh',
      [
        '-c',
        'echo "holder started pid $$"; LISTEN_PID=$$ LISTEN_FDS=1 LISTEN_FDNAMES=smsops.socket exec "$0" "$@"',
        command,
        ...args,
      ],
      { stdio: ['ignore', 'inherit', 'inherit', fd] },
    );
    process.stdout.write(`holder run ${run} ended: ${result.status ?? result.signal}\n`);
  }
  process.exit(0);
});
