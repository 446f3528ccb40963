import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config.js';
import { createRetentionJob, type RetentionSettings } from '../../src/jobs/retentionJob.js';
import { createLogger, type Logger } from '../../src/log.js';
import { createAuditRepository } from '../../src/store/repositories/audit.js';
import { createDeliveriesRepository } from '../../src/store/repositories/deliveries.js';
import { createDeliveryReportsRepository } from '../../src/store/repositories/deliveryReports.js';
import { createInboundRepository } from '../../src/store/repositories/inbound.js';
import { createJobRunsRepository } from '../../src/store/repositories/jobRuns.js';
import { createRejectedWebhooksRepository } from '../../src/store/repositories/rejectedWebhooks.js';
import { createSlackQueueRepository } from '../../src/store/repositories/slackQueue.js';
import { createSlackThreadsRepository } from '../../src/store/repositories/slackThreads.js';
import { createTrafficRepository } from '../../src/store/repositories/traffic.js';
import { createRetentionStore } from '../../src/store/retention/retentionStore.js';
import { RETENTION_TABLES } from '../../src/store/retention/tables.js';
import { createTempDb, type TempDb } from '../helpers/tempDb.js';

const DAY = 86_400_000;
const SECRET_TEXT = 'my PIN is 4921, do not tell';

let tmp: TempDb;
let logs: string[];
let logger: Logger;
beforeEach(() => {
  tmp = createTempDb();
  logs = [];
  logger = createLogger({ level: 'debug', sink: (line) => logs.push(line) });
});
afterEach(() => {
  // SMS text is personal data: counts in the log, never the messages.
  expect(logs.join('\n')).not.toContain('PIN');
  tmp.cleanup();
});

const count = (table: string) => (tmp.db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;

let seq = 0;
let repos: {
  db: unknown;
  inbound: ReturnType<typeof createInboundRepository>;
  deliveries: ReturnType<typeof createDeliveriesRepository>;
  slackQueue: ReturnType<typeof createSlackQueueRepository>;
};
const repositories = () => {
  if (repos?.db !== tmp.db) {
    repos = {
      db: tmp.db,
      inbound: createInboundRepository(tmp.db, () => tmp.clock.now()),
      deliveries: createDeliveriesRepository(tmp.db, () => tmp.clock.now()),
      slackQueue: createSlackQueueRepository(tmp.db, () => tmp.clock.now()),
    };
  }
  return repos;
};
/** One inbound message ingested at the clock's time, with a PortSIP and a Slack delivery in the given states. */
function ingest(
  states: { portsip: 'delivered' | 'dead' | 'pending' | 'in_flight'; slack?: 'delivered' | 'dead' },
  options: { leftInSlackQueue?: boolean } = {},
) {
  const { inbound, deliveries, slackQueue } = repositories();
  const { id } = inbound.insertWithDeliveries(
    {
      wavixMessageId: `m-${++seq}`,
      fromNumber: '447400123456',
      toNumber: '14155550100',
      messageType: 'sms',
      text: SECRET_TEXT,
      media: null,
      receivedAtText: new Date(tmp.clock.now()).toISOString(),
      receivedAt: tmp.clock.now(),
      contentType: 'application/json',
      rawBody: Buffer.from(JSON.stringify({ text: SECRET_TEXT })),
    },
    [
      { kind: 'portsip', destination: 'https://pbx.example.com/emc/x' },
      ...(options.leftInSlackQueue ? [] : [{ kind: 'slack' as const, destination: 'C0INBOX001' }]),
    ],
  );
  // The Slack leg's queue moved past it (its Slack delivery is the one stored above), unless it is left there.
  if (!options.leftInSlackQueue) slackQueue.take(1, () => null);
  for (const d of deliveries.forMessage(id)) {
    const state = d.destinationKind === 'portsip' ? states.portsip : (states.slack ?? 'delivered');
    if (state === 'delivered') deliveries.markDelivered(d.id, 200);
    else if (state === 'dead') deliveries.markDead(d.id, { statusCode: 500, error: 'gone' });
    else if (state === 'in_flight') tmp.db.prepare("UPDATE deliveries SET status = 'in_flight' WHERE id = ?").run(d.id);
  }
  return id;
}

const job = (settings: Partial<RetentionSettings> = {}, options: { batchRows?: number } = {}) =>
  createRetentionJob({
    store: createRetentionStore(tmp.db),
    settings: { days: 90, auditDays: 365, ...settings },
    logger,
    now: tmp.clock.now,
    ...options,
  });

const messageIds = () => (tmp.db.prepare('SELECT id FROM inbound_messages ORDER BY id').pluck().all() as number[]).sort();

describe('retention of inbound messages', () => {
  it('deletes old messages whose deliveries all finished, with their deliveries; keeps pending, in-flight and recent ones', async () => {
    const start = tmp.clock.now();
    const oldDelivered = ingest({ portsip: 'delivered' });
    const oldDead = ingest({ portsip: 'dead', slack: 'dead' });
    const oldPending = ingest({ portsip: 'pending' });
    const oldInFlight = ingest({ portsip: 'in_flight' });
    tmp.clock.set(start + 60 * DAY);
    const recent = ingest({ portsip: 'delivered' });
    tmp.clock.set(start + 91 * DAY);

    const outcome = await job().run();

    expect(outcome.outcome).toBe('ok');
    expect(messageIds()).toEqual([oldPending, oldInFlight, recent].sort());
    expect(messageIds()).not.toContain(oldDelivered);
    expect(messageIds()).not.toContain(oldDead);
    // The deliveries went with their messages; those of kept messages are all still there.
    const owners = tmp.db.prepare('SELECT DISTINCT inbound_message_id FROM deliveries').pluck().all() as number[];
    expect(owners.sort()).toEqual([oldPending, oldInFlight, recent].sort());
    expect(count('deliveries')).toBe(6);
    if (outcome.outcome !== 'ok') return;
    expect(outcome.summary).toContain('deleted 2 inbound_messages, 4 deliveries');
    expect(outcome.summary).toContain('2 older inbound_messages kept (a delivery still pending)');
  });

  it('deletes a kept message on the first run after its last delivery finished', async () => {
    const start = tmp.clock.now();
    const id = ingest({ portsip: 'pending' });
    tmp.clock.set(start + 100 * DAY);
    await job().run();
    expect(messageIds()).toEqual([id]);

    const deliveries = createDeliveriesRepository(tmp.db, tmp.clock.now);
    for (const d of deliveries.forMessage(id))
      if (d.status === 'pending') deliveries.markDead(d.id, { statusCode: null, error: 'x' });
    await job().run();
    expect(messageIds()).toEqual([]);
  });

  it("keeps a message still in the Slack leg's queue however old (PortSIP delivered), and deletes it once it was posted", async () => {
    const start = tmp.clock.now();
    const id = ingest({ portsip: 'delivered' }, { leftInSlackQueue: true });
    tmp.clock.set(start + 100 * DAY);
    await job().run();
    expect(messageIds()).toEqual([id]);

    // Its turn: it gets its Slack delivery, which is then delivered.
    const { slackQueue, deliveries } = repositories();
    expect(slackQueue.take(10, () => 'C0INBOX001')).toBe(1);
    const slack = deliveries.forMessage(id).find((d) => d.destinationKind === 'slack');
    expect(slack?.status).toBe('pending');
    await job().run();
    expect(messageIds()).toEqual([id]);
    deliveries.markDelivered(slack?.id ?? 0, 200);
    await job().run();
    expect(messageIds()).toEqual([]);
  });

  it("takes the SMS that arrive after every message was deleted (their ids are handed out again) into the Slack leg's queue", async () => {
    // No SMS for longer than RETENTION_DAYS: retention deletes the newest messages too, and SQLite reuses their ids.
    const start = tmp.clock.now();
    for (let i = 0; i < 3; i++) ingest({ portsip: 'delivered' });
    tmp.clock.set(start + 100 * DAY);
    await job().run();
    expect(messageIds()).toEqual([]);

    const after = [ingest({ portsip: 'pending' }, { leftInSlackQueue: true })];
    after.push(ingest({ portsip: 'pending' }, { leftInSlackQueue: true }));
    const { slackQueue, deliveries } = repositories();
    expect(slackQueue.waiting()).toMatchObject({ count: 2 });
    expect(slackQueue.take(10, () => 'C0INBOX001')).toBe(2);
    for (const id of after)
      expect(
        deliveries
          .forMessage(id)
          .map((d) => d.destinationKind)
          .sort(),
      ).toEqual(['portsip', 'slack']);
  });

  it('keeps everything with RETENTION_DAYS=0, and still trims the audit log by its own window', async () => {
    const start = tmp.clock.now();
    ingest({ portsip: 'delivered' });
    createAuditRepository(tmp.db, tmp.clock.now).record({ actor: 'U1', action: 'webhook.set', outcome: 'ok' });
    createDeliveryReportsRepository(tmp.db, tmp.clock.now).recordReport({
      wavixMessageId: 'out-1',
      fromNumber: '14155550100',
      toNumber: '447400123456',
      status: 'delivered',
      error: null,
      segments: 1,
    });
    createTrafficRepository(tmp.db, tmp.clock.now).rebuild(start - DAY, start + DAY);
    const before = { inbound: count('inbound_messages'), traffic: count('traffic_hourly'), reports: count('delivery_reports') };
    expect(before.traffic).toBeGreaterThan(0);
    tmp.clock.set(start + 1000 * DAY);

    const outcome = await job({ days: 0, auditDays: 400 }).run();

    expect(outcome.outcome).toBe('ok');
    expect({ inbound: count('inbound_messages'), traffic: count('traffic_hourly'), reports: count('delivery_reports') }).toEqual(
      before,
    );
    expect(count('deliveries')).toBe(2);
    expect(count('audit_log')).toBe(0);

    await job({ days: 0, auditDays: 0 }).run();
    expect(count('inbound_messages')).toBe(1);
  });
});

describe('retention of the other tables', () => {
  it('keeps the audit log for AUDIT_RETENTION_DAYS, apart from RETENTION_DAYS', async () => {
    const audit = createAuditRepository(tmp.db, tmp.clock.now);
    const start = tmp.clock.now();
    audit.record({ actor: 'U1', action: 'old', outcome: 'ok' });
    tmp.clock.set(start + 200 * DAY);
    audit.record({ actor: 'U1', action: 'middle', outcome: 'ok' });
    ingest({ portsip: 'delivered' });
    tmp.clock.set(start + 370 * DAY);

    await job({ days: 90, auditDays: 365 }).run();

    // 170 days old: past RETENTION_DAYS but within the audit window, while a message of the same age is gone.
    expect(audit.recent(10).map((e) => e.action)).toEqual(['middle']);
    expect(count('inbound_messages')).toBe(0);
  });

  it('bounds delivery reports, outbound records, rejected webhooks, Slack threads and job runs by age', async () => {
    const start = tmp.clock.now();
    const reports = createDeliveryReportsRepository(tmp.db, tmp.clock.now);
    const rejected = createRejectedWebhooksRepository(tmp.db, { now: tmp.clock.now });
    const threads = createSlackThreadsRepository(tmp.db, tmp.clock.now);
    const runs = createJobRunsRepository(tmp.db, tmp.clock.now);
    const seed = (tag: string) => {
      reports.recordReport({
        wavixMessageId: `out-${tag}`,
        fromNumber: '14155550100',
        toNumber: '447400123456',
        status: 'delivered',
        error: null,
        segments: 1,
      });
      rejected.record({ route: 'inbound', reason: 'bad json', contentType: 'application/json', body: Buffer.from('{') });
      threads.set('C0INBOX001', `a→${tag}`, tag, `${tag}.0001`);
      runs.finish(runs.start('traffic-watch'), 'ok');
      runs.finish(runs.start('daily-digest'), 'ok');
    };
    seed('old');
    tmp.clock.set(start + 50 * DAY);
    seed('new');
    tmp.clock.set(start + 100 * DAY);

    const outcome = await job().run();

    expect(outcome.outcome).toBe('ok');
    expect(tmp.db.prepare('SELECT wavix_message_id FROM outbound_messages').pluck().all()).toEqual(['out-new']);
    expect(tmp.db.prepare('SELECT wavix_message_id FROM delivery_reports').pluck().all()).toEqual(['out-new']);
    expect(count('rejected_webhooks')).toBe(1);
    expect(tmp.db.prepare('SELECT day FROM slack_threads').pluck().all()).toEqual(['new']);
    // The two old runs; each job's newer run stays.
    expect(count('job_runs')).toBe(2);
  });

  it('remembers each Slack thread it deleted (a reply there is told so) for a year past RETENTION_DAYS, then forgets it', async () => {
    const start = tmp.clock.now();
    const threads = createSlackThreadsRepository(tmp.db, tmp.clock.now);
    threads.set('C0INBOX001', '447400123456→14155550100', '2026-01-01', '1700000000.000100');
    expect(threads.expired('C0INBOX001', '1700000000.000100')).toBe(false);

    tmp.clock.set(start + 91 * DAY);
    expect((await job().runWithReport()).deleted).toEqual({ slack_threads: 1 });
    expect(threads.byThreadTs('C0INBOX001', '1700000000.000100')).toBeUndefined();
    expect(threads.expired('C0INBOX001', '1700000000.000100')).toBe(true);
    // Another channel's post with the same ts was never this thread.
    expect(threads.expired('C0ALERTS01', '1700000000.000100')).toBe(false);

    tmp.clock.set(start + (90 + 364) * DAY);
    await job().run();
    expect(threads.expired('C0INBOX001', '1700000000.000100')).toBe(true);

    tmp.clock.set(start + (90 + 366) * DAY);
    expect((await job().runWithReport()).deleted).toEqual({ expired_slack_threads: 1 });
    expect(threads.expired('C0INBOX001', '1700000000.000100')).toBe(false);
    expect(count('expired_slack_threads')).toBe(0);
  });

  it('keeps the latest run of each job however old, so /sms jobs still shows it', async () => {
    const runs = createJobRunsRepository(tmp.db, tmp.clock.now);
    runs.finish(runs.start('daily-digest'), 'ok');
    runs.finish(runs.start('daily-digest'), 'failed', 'slack down');
    tmp.clock.advance(400 * DAY);
    await job().run();
    expect(runs.latest()).toEqual([expect.objectContaining({ job: 'daily-digest', outcome: 'failed', error: 'slack down' })]);
    expect(count('job_runs')).toBe(1);
  });

  it('deletes hourly traffic older than the window and keeps the last 7 days’ report as it was', async () => {
    const start = tmp.clock.now();
    const traffic = createTrafficRepository(tmp.db, tmp.clock.now);
    for (let day = 0; day < 20; day++) {
      tmp.clock.set(start + day * DAY);
      ingest({ portsip: 'delivered' });
      ingest({ portsip: 'dead' });
    }
    tmp.clock.set(start + 20 * DAY);
    const now = tmp.clock.now();
    traffic.refresh(start - DAY, now);
    const week = traffic.totals(now - 7 * DAY, now);
    expect(week).toMatchObject({ inbound: 14, relayed: 7 });

    await job({ days: 10 }).run();
    traffic.refresh(now - 7 * DAY, now);

    expect(traffic.totals(now - 7 * DAY, now)).toEqual(week);
    const oldest = tmp.db.prepare('SELECT min(hour_start) FROM traffic_hourly').pluck().get() as number;
    expect(oldest).toBeGreaterThanOrEqual(now - 10 * DAY - 3_600_000);
    // The deleted messages marked their hours stale; those marks went with the hours' rollups.
    expect(
      tmp.db
        .prepare('SELECT count(*) FROM traffic_stale_hours WHERE hour_start < ?')
        .pluck()
        .get(now - 10 * DAY),
    ).toBe(0);
    expect(count('inbound_messages')).toBe(20);
  });
});

describe('batches', () => {
  it('deletes in transactions of at most the batch size, with turns of the event loop between them', async () => {
    const start = tmp.clock.now();
    const insert = tmp.db.transaction(() => {
      for (let i = 0; i < 1_250; i++) ingest({ portsip: 'delivered' });
    });
    insert();
    tmp.clock.set(start + 91 * DAY);

    // A sampler that gets a turn whenever the job yields: it sees every state between two transactions.
    const samples: number[] = [];
    let sampling = true;
    const sample = () => {
      samples.push(count('inbound_messages'));
      if (sampling) setImmediate(sample);
    };
    sample();
    const report = await job({}, { batchRows: 100 }).runWithReport();
    sampling = false;
    samples.push(count('inbound_messages'));

    expect(samples[0]).toBe(1_250);
    expect(samples.at(-1)).toBe(0);
    const drops = samples.slice(1).map((n, i) => (samples[i] ?? n) - n);
    expect(Math.max(...drops)).toBeLessThanOrEqual(100);
    // Interleaved: the sampler ran between the batches, not only before and after.
    expect(drops.filter((d) => d > 0).length).toBeGreaterThanOrEqual(13);
    expect(report.largestBatch).toBeLessThanOrEqual(100);
    expect(report.deleted).toMatchObject({ inbound_messages: 1_250, deliveries: 2_500 });
  });
  it('reads the old SMS it keeps (pending) once per run, not once per batch, so a long outage does not hold the event loop batch after batch', async () => {
    const start = tmp.clock.now();
    // SMS still owed past RETENTION_DAYS (a long RELAY_DEAD_AFTER_HOURS), then newer ones to delete.
    tmp.db.transaction(() => {
      for (let i = 0; i < 300; i++) {
        tmp.clock.advance(1_000);
        ingest({ portsip: 'pending' });
      }
      for (let i = 0; i < 300; i++) {
        tmp.clock.advance(1_000);
        ingest({ portsip: 'delivered' });
      }
    })();
    tmp.clock.set(start + 91 * DAY);
    // Every row a batch's pick examines passes through this function: the rows read, not the rows deleted.
    let examined = 0;
    tmp.db.function('rows_examined', () => {
      examined += 1;
      return 1;
    });
    const inbound = RETENTION_TABLES.find((t) => t.table === 'inbound_messages');
    if (!inbound) throw new Error('no inbound_messages spec');
    const counted = { ...inbound, onlyIf: `rows_examined() AND (${inbound.onlyIf})` };
    const report = await createRetentionJob({
      store: createRetentionStore(tmp.db),
      settings: { days: 90, auditDays: 365 },
      logger,
      now: tmp.clock.now,
      tables: [counted],
      batchRows: 10,
    }).runWithReport();

    expect(report.deleted.inbound_messages).toBe(300);
    expect(report.kept.inbound_messages?.count).toBe(300);
    // Each row once, give or take a batch's edge: reading the 300 kept ones again in each of 30 batches was 9,000+.
    expect(examined).toBeLessThan(700);
  });
});

describe('dead letters deleted unsent', () => {
  it('counts the dead SMS it deletes apart and tells them once per run, per destination, however many batches', async () => {
    const start = tmp.clock.now();
    tmp.db.transaction(() => {
      for (let i = 0; i < 300; i++) {
        tmp.clock.advance(1_000);
        ingest({ portsip: i % 10 === 0 ? 'dead' : 'delivered' });
      }
    })();
    tmp.clock.set(start + 91 * DAY);
    const told: { kind: string; destination: string; n: number }[][] = [];
    const report = await createRetentionJob({
      store: createRetentionStore(tmp.db),
      settings: { days: 90, auditDays: 365 },
      logger,
      now: tmp.clock.now,
      batchRows: 10,
      onUnsentDeleted: (unsent) => told.push([...unsent]),
    }).runWithReport();

    expect(report.deleted.inbound_messages).toBe(300);
    expect(report.unsent).toEqual({ portsip: 30 });
    // One call, not one per batch: each call edits the destination's alert in Slack.
    expect(told).toEqual([[{ kind: 'portsip', destination: 'https://pbx.example.com/emc/x', n: 30 }]]);
  });
});

describe('shutdown', () => {
  it('stops a long run after its current batch, reporting it unfinished; the next run deletes the rest', async () => {
    // A database whose one-time free-page scrub is done, so that the run begins with its first batch.
    expect(await job().run()).toMatchObject({ outcome: 'ok' });
    const start = tmp.clock.now();
    tmp.db.transaction(() => {
      for (let i = 0; i < 300; i++) ingest({ portsip: 'delivered' });
    })();
    tmp.clock.set(start + 91 * DAY);
    const retention = job({}, { batchRows: 50 });

    const running = retention.run();
    // The first batch ran synchronously inside run(); stopping now lets it finish no more than that one.
    retention.stop();
    const outcome = await running;

    expect(outcome).toMatchObject({ outcome: 'failed', error: expect.stringContaining('stopped by shutdown') });
    expect(count('inbound_messages')).toBe(250);
    expect(await retention.run()).toMatchObject({ outcome: 'ok' });
    expect(count('inbound_messages')).toBe(0);
  });
});

describe('errors', () => {
  it('logs a failing table, reports the run failed, deletes the rest, and the next run goes on', async () => {
    const audit = createAuditRepository(tmp.db, tmp.clock.now);
    const start = tmp.clock.now();
    audit.record({ actor: 'U1', action: 'old', outcome: 'ok' });
    ingest({ portsip: 'delivered' });
    tmp.clock.set(start + 400 * DAY);
    tmp.db.exec("CREATE TEMP TRIGGER refuse BEFORE DELETE ON audit_log BEGIN SELECT RAISE(ABORT, 'disk says no'); END");
    const retention = job();

    const failed = await retention.run();

    expect(failed).toMatchObject({ outcome: 'failed', error: expect.stringContaining('audit_log: SqliteError: disk says no') });
    expect(count('inbound_messages')).toBe(0);
    expect(count('audit_log')).toBe(1);
    expect(logs.some((l) => l.includes('retention: a batch failed') && l.includes('audit_log'))).toBe(true);

    tmp.db.exec('DROP TRIGGER temp.refuse');
    expect(await retention.run()).toMatchObject({ outcome: 'ok' });
    expect(count('audit_log')).toBe(0);
  });
});

describe('configuration', () => {
  const base = {
    SLACK_BOT_TOKEN: 'xoxb-1',
    SLACK_SIGNING_SECRET: 's',
    SLACK_ALERT_CHANNEL: 'C0ALERTS01',
    WAVIX_API_KEY: 'key-12345678',
  };
  it('defaults to 90 days, 365 for the audit log, daily at 03:30', () => {
    const parsed = parseConfig(base);
    expect(parsed.ok && parsed.value.retention).toEqual({ days: 90, auditDays: 365 });
    expect(parsed.ok && parsed.value.schedules.retention).toBe('30 3 * * *');
  });
  it('accepts 0 (keep all) and refuses fewer days than the 7-day reports read', () => {
    const zero = parseConfig({ ...base, RETENTION_DAYS: '0', AUDIT_RETENTION_DAYS: '0' });
    expect(zero.ok && zero.value.retention).toEqual({ days: 0, auditDays: 0 });
    const short = parseConfig({ ...base, RETENTION_DAYS: '3', RETENTION_CRON: 'daily' });
    expect(short.ok).toBe(false);
    if (short.ok) return;
    expect(short.error.problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^RETENTION_DAYS must be 0 \(keep all\) or a whole number of days from 8/),
        expect.stringMatching(/^RETENTION_CRON is not a valid cron expression/),
      ]),
    );
  });
});
