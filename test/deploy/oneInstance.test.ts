import { mkdtempSync, rmSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import {
  freePort,
  inboundWebhookBody,
  productionEnv,
  type SmsopsProcess,
  spawnSmsops,
  startSmsopsProcess,
} from '../helpers/smsopsProcess.js';

/** Real processes on one SQLite file: the second is refused while the first holds the database. */
describe('one smsops per database', () => {
  const started: SmsopsProcess[] = [];
  let dir = '';
  afterEach(() => {
    for (const p of started.splice(0)) p.kill();
    rmSync(dir, { recursive: true, force: true });
  });

  const envFor = async (databasePath: string): Promise<Record<string, string>> => ({
    ...productionEnv({ port: await freePort(), databasePath, webhookSecret: 'one-instance-secret-0123456789ab' }),
    INSTANCE_LEASE_MS: '1500',
  });
  const start = async (databasePath: string) => {
    const env = await envFor(databasePath);
    const p = await startSmsopsProcess(dir, env);
    started.push(p);
    return { p, port: env.PORT ?? '' };
  };
  const refused = async (databasePath: string) => {
    const p = spawnSmsops({ cwd: dir, env: await envFor(databasePath) });
    started.push(p);
    const { code } = await p.exited;
    return { code, logs: p.logs.join('\n') };
  };

  /** A database file in a directory of its own, removed after the test. */
  const freshDatabase = () => {
    dir = mkdtempSync(join(tmpdir(), 'smsops-lease-'));
    return join(dir, 'smsops.db');
  };
  /** One statement run as another process would, through a connection of its own. */
  const asAnotherProcess = (databasePath: string, sql: string, ...params: unknown[]) => {
    const other = new Database(databasePath);
    try {
      other.prepare(sql).run(...params);
    } finally {
      other.close();
    }
  };
  const TAKEN_BY_BOX_TWO = "UPDATE instance_lease SET holder_id = 'intruder', host = 'box-two', pid = 77 WHERE id = 1";

  it('refuses a second process naming the first, and starts once the first is gone', { timeout: 90_000 }, async () => {
    const db = freshDatabase();
    const first = await start(db);

    const second = await refused(db);
    expect(second.code).toBe(1);
    expect(second.logs).toContain(`another smsops runs on this database: host ${hostname()}, pid ${first.p.pid}`);
    expect(second.logs).toMatch(/its lease expires \d{4}-\d\d-\d\dT/);

    // A crash: nothing released. The lease of a process of this host that is gone is taken over.
    first.p.kill();
    await first.p.exited;
    const third = await start(db);
    expect((await fetch(`http://127.0.0.1:${third.port}/healthz`)).status).toBe(200);

    // A clean stop releases the lease.
    third.p.child.kill('SIGTERM');
    expect((await third.p.exited).code).toBe(0);
    const check = new Database(db, { readonly: true });
    expect(check.prepare('SELECT count(*) AS n FROM instance_lease').get()).toEqual({ n: 0 });
    check.close();
  });

  it('waits for the lease of another host to expire', { timeout: 40_000 }, async () => {
    const db = freshDatabase();
    const first = await start(db);
    first.p.child.kill('SIGTERM');
    await first.p.exited;
    // What a process on another machine sharing this file would have left (its pid means nothing here).
    const other = new Database(db);
    let expiresAt = Date.now() + 60_000;
    other
      .prepare(
        'INSERT INTO instance_lease (id, holder_id, host, pid, started_at, heartbeat_at, expires_at) VALUES (1, ?, ?, ?, ?, ?, ?)',
      )
      .run('other-host', 'pbx-side-box', 1, Date.now(), Date.now(), expiresAt);

    const refusedOnce = await refused(db);
    expect(refusedOnce.code).toBe(1);
    expect(refusedOnce.logs).toContain('host pbx-side-box, pid 1');
    expect(refusedOnce.logs).toContain(`its lease expires ${new Date(expiresAt).toISOString()}`);

    // That machine's last heartbeat: its lease runs out a second from now; the start comes once it has (a start can
    // take less than a second here, and would then be refused as above).
    expiresAt = Date.now() + 1_000;
    other.prepare('UPDATE instance_lease SET heartbeat_at = ?, expires_at = ?').run(expiresAt - 1_500, expiresAt);
    other.close();
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, expiresAt - Date.now()) + 50));
    const after = await start(db);
    const takeover = after.p.logs.find((line) => line.includes('took over an expired instance lease'));
    expect(takeover).toContain('pbx-side-box');
    expect((await fetch(`http://127.0.0.1:${after.port}/healthz`)).status).toBe(200);
  });

  it('stops and exits 1 when its lease is taken by someone else, leaving the new holder its lease', {
    timeout: 60_000,
  }, async () => {
    const db = freshDatabase();
    const app = await start(db);
    expect((await fetch(`http://127.0.0.1:${app.port}/healthz`)).status).toBe(200);
    // Split brain: another machine's clock ran ahead, it saw the lease expired and took it.
    asAnotherProcess(db, TAKEN_BY_BOX_TWO);
    // It can never relay again: it ends by itself, exit 1, for its supervisor to start it again.
    expect((await app.p.exited).code).toBe(1);
    expect(app.p.logs.some((l) => l.includes('instance lease lost') && l.includes('box-two') && l.includes('"pid":77'))).toBe(
      true,
    );
    expect(app.p.logs.join('\n')).toContain('can no longer relay without the instance lease; exiting 1');
    // What that start does while box-two holds the lease: refused at once (exit 1), not waiting, as the line says; the
    // line said "that start waits for a process holding the lease", and systemd gives up after 10 such starts.
    asAnotherProcess(db, 'UPDATE instance_lease SET heartbeat_at = ?, expires_at = ?', Date.now(), Date.now() + 60_000);
    const restarted = await refused(db);
    expect(restarted.code).toBe(1);
    expect(app.p.logs.join('\n')).toContain('a start is refused while another process holds the lease, exit 1 again');
    // Its stop leaves the new holder's lease (and its deliveries' leases) alone.
    const check = new Database(db, { readonly: true });
    expect(check.prepare('SELECT host FROM instance_lease').get()).toEqual({ host: 'box-two' });
    check.close();
  });

  it('does not go on acknowledging SMS that nothing relays once the process that took its lease gave it back', {
    timeout: 90_000,
  }, async () => {
    const db = freshDatabase();
    const app = await start(db);
    // This one frozen past its lease (SIGSTOP, a paused container); an orchestrator's second smsops took the lease,
    // failed to start (the port this one holds) and gave the lease back: the row is gone when this one wakes.
    asAnotherProcess(db, 'DELETE FROM instance_lease');
    // Before: it stayed up with "stopped relaying", acknowledging webhooks that stayed pending until someone restarted
    // it, with no alert (1,010 SMS in a probe). Now it exits 1 and the supervisor's next start takes the database.
    const exited = await Promise.race([app.p.exited, new Promise<null>((r) => setTimeout(() => r(null), 15_000))]);
    expect(exited?.code).toBe(1);
    expect(app.p.logs.join('\n')).toContain('the instance lease row was removed');
    const next = await start(db);
    expect((await fetch(`http://127.0.0.1:${next.port}/healthz`)).status).toBe(200);
  });

  it('woken from a freeze after another process took its lease, stores no webhook waiting for it', {
    timeout: 60_000,
  }, async () => {
    const db = freshDatabase();
    const app = await start(db);
    process.kill(app.p.pid, 'SIGSTOP');
    // While it is frozen another smsops took the database, and Wavix posts an SMS to the frozen one's port.
    const other = new Database(db);
    other.prepare(TAKEN_BY_BOX_TWO).run();
    const posted = fetch(`http://127.0.0.1:${app.port}/webhooks/wavix/inbound/one-instance-secret-0123456789ab`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: inboundWebhookBody('sent-to-the-frozen-one'),
    });
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    process.kill(app.p.pid, 'SIGCONT');
    // Refused (Wavix sends it again, to the holder) rather than written under the holder's write lock.
    // (Or its connection closed by the stop that follows, unanswered: either way Wavix sends it again.)
    const answer = await posted.then(
      (res) => res.status,
      () => 'closed unanswered',
    );
    expect([503, 'closed unanswered']).toContain(answer);
    expect(other.prepare('SELECT count(*) AS n FROM inbound_messages').get()).toEqual({ n: 0 });
    other.close();
    expect((await app.p.exited).code).toBe(1);
  });

  it("woken from a freeze after another process took its lease, stops without holding the holder's writes", {
    timeout: 60_000,
  }, async () => {
    const db = freshDatabase();
    const app = await start(db);
    process.kill(app.p.pid, 'SIGSTOP');
    // The holder took the database and wrote while this one was frozen: a WAL of ~40 MB not checkpointed yet.
    const holder = new Database(db);
    holder.pragma('busy_timeout = 100'); // smsops' own wait for the write lock
    holder.pragma('wal_autocheckpoint = 0');
    holder.prepare(TAKEN_BY_BOX_TWO).run();
    holder.exec('CREATE TABLE holder_writes (id INTEGER PRIMARY KEY, filler BLOB)');
    const insert = holder.prepare('INSERT INTO holder_writes (filler) VALUES (randomblob(4000))');
    holder.transaction(() => {
      for (let i = 0; i < 10_000; i += 1) insert.run();
    })();
    process.kill(app.p.pid, 'SIGCONT');
    // The holder goes on writing while the woken one stops: none of its writes may fail for the lock.
    let failed = 0;
    const until = Date.now() + 8_000;
    while (!app.p.hasExited() && Date.now() < until) {
      try {
        insert.run();
      } catch {
        failed += 1;
      }
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    holder.close();
    expect((await app.p.exited).code).toBe(1);
    expect(failed).toBe(0);
  });

  it('stops relaying and fails /healthz while its lease runs out unrenewed (database locked), and resumes after', {
    timeout: 60_000,
  }, async () => {
    const db = freshDatabase();
    const app = await start(db);
    const healthz = async () => {
      const res = await fetch(`http://127.0.0.1:${app.port}/healthz`);
      return { status: res.status, reasons: ((await res.json()) as { reasons?: string[] }).reasons ?? [] };
    };
    expect((await healthz()).status).toBe(200);
    // Another process holds the write lock longer than INSTANCE_LEASE_MS (1.5 s): no renewal can be written.
    const other = new Database(db);
    other.pragma('busy_timeout = 0');
    other.exec('BEGIN IMMEDIATE');
    let lapsed: { status: number; reasons: string[] } | undefined;
    try {
      const until = Date.now() + 10_000;
      while (Date.now() < until) {
        const h = await healthz();
        if (h.reasons.some((r) => r.startsWith('the instance lease ran out (renewals failing:'))) {
          lapsed = h;
          break;
        }
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    } finally {
      other.exec('ROLLBACK');
      other.close();
    }
    expect(lapsed?.status).toBe(503);
    expect(lapsed?.reasons.join('\n')).toMatch(/renewals failing: .*locked/);
    await app.p.waitForLine(/instance lease renewed again/, 10_000);
    // The lease is no longer a reason (other checks may take a moment longer to clear after the lock on a busy machine).
    let after = await healthz();
    for (let i = 0; i < 100 && after.status !== 200; i += 1) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      after = await healthz();
    }
    expect(after.reasons.filter((r) => r.includes('instance lease'))).toEqual([]);
    expect(after.status, after.reasons.join('\n')).toBe(200);
  });
});
