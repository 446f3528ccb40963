import { existsSync } from 'node:fs';
import { request } from 'node:http';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { freePort } from '../helpers/freePort.js';
import { useRealProcessRig } from '../helpers/realProcessRig.js';
import { inboundWebhookBody, productionEnv, spawnSmsops } from '../helpers/smsopsProcess.js';
import { sleep, waitUntil } from '../helpers/waitUntil.js';

const SECRET = 'socket-activation-secret-0123456789';
const HOLDER = join(import.meta.dirname, '..', 'helpers', 'socketHolder.mjs');
const SOCKET_ACTIVATE = '/usr/bin/systemd-socket-activate';

/** One webhook on a connection of its own (no keep-alive): its status, or the error that ended it (ECONNREFUSED). */
function postWebhook(port: number, messageId: string): Promise<number | string> {
  const body = inboundWebhookBody(messageId);
  return new Promise((resolve) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        method: 'POST',
        path: `/webhooks/wavix/inbound/${SECRET}`,
        agent: false,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
    req.end(body);
  });
}

describe('systemd socket activation', () => {
  const rig = useRealProcessRig('smsops-socket-');
  const envFor = (port: number) => ({
    ...productionEnv({ port, databasePath: join(rig.dir, 'smsops.db'), webhookSecret: SECRET }),
    SLACK_API_URL: rig.fakeSlack.url,
    PORTSIP_WEBHOOK_URL: `${rig.sink.url}/portsip`,
  });

  it('a restart on the socket systemd holds refuses no webhook: those sent while no smsops ran are answered by the next', {
    timeout: 90_000,
  }, async () => {
    // PORT is the socket's port, as in a real install (ListenStream=3000, PORT=3000 left in /etc/smsops.env): an
    // smsops that binds PORT instead of taking the socket cannot start at all.
    const holder = rig.track(
      spawnSmsops({ cwd: rig.dir, env: envFor(rig.port), launcher: [process.execPath, HOLDER, String(rig.port), '2'] }),
    );
    const listening = () => holder.logs.filter((line) => line.includes('smsops listening'));
    const startedPids = () => holder.logs.flatMap((line) => /^holder started pid (\d+)$/.exec(line)?.[1] ?? []).map(Number);
    await waitUntil(
      () => listening().length === 1,
      30_000,
      () => `first start; logs:\n${holder.logs.slice(-20).join('\n')}`,
    );
    expect(listening()[0]).toContain('the socket systemd passed (descriptor 3, smsops.socket); HOST and PORT are not used');

    // Webhooks every 15 ms, each on its own connection, through the restart and a moment after it.
    const posts: Array<{ id: string; sentAt: number; answer: Promise<number | string> }> = [];
    let sending = true;
    const sender = (async () => {
      for (let n = 0; sending; n++) {
        const id = `socket-${n}`;
        posts.push({ id, sentAt: Date.now(), answer: postWebhook(rig.port, id) });
        await sleep(15);
      }
    })();
    await sleep(500);
    const [firstPid] = startedPids();
    process.kill(firstPid ?? 0, 'SIGTERM');
    const stoppedAt = Date.now();
    await waitUntil(
      () => listening().length === 2,
      45_000,
      () => `restart; logs:\n${holder.logs.slice(-20).join('\n')}`,
    );
    const restartedAt = Date.now();
    await sleep(500);
    sending = false;
    await sender;
    const answers = await Promise.all(posts.map(async (post) => ({ id: post.id, answer: await post.answer })));

    // The restart left a gap (the old one's stop, the new one's start), and webhooks were sent into it.
    const sentInGap = posts.filter((post) => post.sentAt > stoppedAt + 200 && post.sentAt < restartedAt - 200);
    expect(sentInGap.length).toBeGreaterThan(20);
    expect(answers.filter(({ answer }) => answer !== 200)).toEqual([]);

    process.kill(startedPids()[1] ?? 0, 'SIGTERM');
    expect((await holder.exited).code).toBe(0);
    expect(holder.logs.filter((line) => line.startsWith('holder run'))).toEqual([
      'holder run 1 ended: 0',
      'holder run 2 ended: 0',
    ]);
    const db = new Database(join(rig.dir, 'smsops.db'), { readonly: true });
    const stored = db.prepare('SELECT wavix_message_id AS id, count(*) AS n FROM inbound_messages GROUP BY 1').all() as Array<{
      id: string;
      n: number;
    }>;
    db.close();
    expect(stored.filter(({ n }) => n !== 1)).toEqual([]);
    expect(stored.map(({ id }) => id).sort()).toEqual(posts.map(({ id }) => id).sort());
  });

  it.skipIf(!existsSync(SOCKET_ACTIVATE))(
    "listens on the socket systemd's own systemd-socket-activate passes, not on PORT",
    { timeout: 60_000 },
    async () => {
      const socketPort = await freePort();
      // systemd's own code sets LISTEN_FDS, LISTEN_FDNAMES and LISTEN_PID (its pid, which exec hands on to node).
      // HOST unset behind a TLS proxy, on a socket of every address: the warning names the socket, not HOST.
      const env: Record<string, string> = { ...envFor(rig.port), PUBLIC_BASE_URL: 'https://smsops.acme-pbx.net' };
      delete env.HOST;
      // It passes its children none of its environment but PATH and HOME: the rest is given with -E.
      const setEnv = Object.entries(env).flatMap(([name, value]) => ['-E', `${name}=${value}`]);
      const p = rig.track(
        spawnSmsops({
          cwd: rig.dir,
          env,
          launcher: [SOCKET_ACTIVATE, '--listen', `0.0.0.0:${socketPort}`, '--fdname', 'smsops.socket', ...setEnv],
        }),
      );
      // As systemd does, it starts smsops at the first connection: that webhook waits in the backlog meanwhile.
      await p.waitForLine(/Listening on/, 30_000);
      expect(await postWebhook(socketPort, 'activated-1')).toBe(200);
      const line = await p.waitForLine(/smsops listening/, 1_000);
      expect(line).toContain(`http://0.0.0.0:${socketPort}`);
      expect(line).toContain('(descriptor 3, smsops.socket)');
      const logs = p.logs.join('\n');
      expect(logs).toContain(`set ListenStream=127.0.0.1:${socketPort} in smsops.socket (HOST is not read under the socket)`);
      expect(logs).not.toContain('HOST is unset');
      expect(await postWebhook(rig.port, 'on-port-1')).toBe('ECONNREFUSED');
      p.child.kill('SIGTERM');
      expect((await p.exited).code).toBe(0);
    },
  );
  it.runIf(!existsSync(SOCKET_ACTIVATE))(`SKIPPED LOUDLY: ${SOCKET_ACTIVATE} is not installed`, () => {});

  /** smsops started through a shell that opens descriptor 3 as `open` says, with the variables set as `vars` say. */
  const startWithDescriptor = (open: string, vars: string) =>
    rig.track(
      spawnSmsops({ cwd: rig.dir, env: envFor(rig.port), launcher: ['bash', '-c', `${open} && ${vars} exec "$0" "$@"`] }),
    );

  it('refuses, exit 2 and in words, a descriptor 3 that is not a listening TCP socket', { timeout: 60_000 }, async () => {
    const cases: Array<{ open: string; words: string }> = [{ open: 'exec 3</dev/null', words: 'descriptor 3 is not a socket' }];
    const other: Server = createServer((socket) => socket.end());
    const otherPort = await freePort();
    await new Promise<void>((resolve) => other.listen(otherPort, '127.0.0.1', resolve));
    // bash's /dev/tcp: a connected TCP socket, not a listening one.
    cases.push({ open: `exec 3<>/dev/tcp/127.0.0.1/${otherPort}`, words: 'descriptor 3 is a TCP socket that is not listening' });
    try {
      for (const { open, words } of cases) {
        const p = startWithDescriptor(open, 'LISTEN_PID=$$ LISTEN_FDS=1');
        expect({ open, code: (await p.exited).code }).toEqual({ open, code: 2 });
        expect(p.logs.join('\n')).toContain(`cannot listen on the socket systemd passed: ${words}`);
      }
      const two = startWithDescriptor('exec 3</dev/null', 'LISTEN_PID=$$ LISTEN_FDS=2');
      expect((await two.exited).code).toBe(2);
      expect(two.logs.join('\n')).toContain('give deploy/smsops.socket one ListenStream= line');
    } finally {
      await new Promise((resolve) => other.close(resolve));
    }
  });

  it('says why it binds PORT when the socket is named for another process (npm or a shell in between)', {
    timeout: 60_000,
  }, async () => {
    const p = startWithDescriptor('exec 3</dev/null', 'LISTEN_PID=1 LISTEN_FDS=1');
    await p.waitForLine(/smsops listening/, 30_000);
    expect(p.logs.join('\n')).toContain('LISTEN_FDS is set with LISTEN_PID=1, another process');
    expect(await postWebhook(rig.port, 'port-1')).toBe(200);
    p.child.kill('SIGTERM');
    expect((await p.exited).code).toBe(0);
  });
});
