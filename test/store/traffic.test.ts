import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { DeliveryTarget } from '../../src/core/model/inboundMessage.js';
import type { DeliveriesRepository } from '../../src/core/ports/deliveries.js';
import type { DeliveryReportsRepository } from '../../src/core/ports/deliveryReports.js';
import type { InboundRepository } from '../../src/core/ports/inbound.js';
import type { TrafficRepository } from '../../src/core/ports/traffic.js';
import { closeDatabase, DEFAULT_MIGRATIONS_DIR, openDatabase } from '../../src/store/database.js';
import { createDeliveriesRepository } from '../../src/store/repositories/deliveries.js';
import { createDeliveryReportsRepository } from '../../src/store/repositories/deliveryReports.js';
import { createInboundRepository } from '../../src/store/repositories/inbound.js';
import { createTrafficRepository } from '../../src/store/repositories/traffic.js';
import { createTempDb, type TempDb } from '../helpers/tempDb.js';

const HOUR = 3_600_000;
const at = (hhmmss: string) => Date.parse(`2026-11-25T${hhmmss}Z`);
const SUPPORT = '14155550100';
const OTTAWA = '16135550123';

let t: TempDb;
let inbound: InboundRepository;
let deliveries: DeliveriesRepository;
let reports: DeliveryReportsRepository;
let traffic: TrafficRepository;
let seq = 0;

beforeEach(() => {
  t = createTempDb();
  inbound = createInboundRepository(t.db, t.clock.now);
  deliveries = createDeliveriesRepository(t.db, t.clock.now);
  reports = createDeliveryReportsRepository(t.db, t.clock.now);
  traffic = createTrafficRepository(t.db, t.clock.now);
});
afterEach(() => t.cleanup());

const portsip: DeliveryTarget = { kind: 'portsip', destination: 'https://pbx.example.com:8887/emc/Wavix - US/uuid' };
const slack: DeliveryTarget = { kind: 'slack', destination: 'C0123456789' };

/** An inbound SMS to `to`, stored by smsops at `time` (its clock), with the given relay destinations. */
function receive(to: string, time: number, targets: DeliveryTarget[] = [portsip, slack]): number {
  t.clock.set(time);
  const id = `in-${++seq}`;
  // Each from a different sender: separate conversations, so the relay may deliver them in any order.
  const from = `4479111${String(seq).padStart(5, '0')}`;
  const body = JSON.stringify({ message_id: id, from, to, message_body: { text: 'hi', media: null } });
  return inbound.insertWithDeliveries(
    {
      wavixMessageId: id,
      fromNumber: from,
      toNumber: to,
      messageType: 'sms',
      text: 'hi',
      media: null,
      receivedAtText: new Date(time).toISOString(),
      receivedAt: time,
      contentType: 'application/json',
      rawBody: Buffer.from(body),
    },
    targets,
  ).id;
}

/** An outbound message as a pull from Wavix lists it. */
function send(from: string, submittedAt: number, status = 'delivered', errorMessage: string | null = null): string {
  const id = `out-${++seq}`;
  reports.upsertOutbound({ wavixMessageId: id, fromNumber: from, toNumber: '447400123456', status, errorMessage, submittedAt });
  return id;
}

function report(id: string, from: string, status: string, error: string | null = null): void {
  reports.recordReport({
    wavixMessageId: id,
    fromNumber: from,
    toNumber: '447400123456',
    status,
    error,
    segments: 1,
  });
}

/** An outbound record as an older version wrote it, on its schema (no forgotten_messages yet, migration 038). */
function storedByOlderVersion(
  db: ReturnType<typeof openDatabase>['db'],
  m: { wavixMessageId: string; fromNumber: string; toNumber: string; status: string; submittedAt: number } & {
    errorMessage?: string;
    tag?: string;
  },
): void {
  db.prepare(`INSERT INTO outbound_messages (wavix_message_id, from_number, to_number, status, error_message, tag,
      submitted_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`).run(
    m.wavixMessageId,
    m.fromNumber,
    m.toNumber,
    m.status,
    m.errorMessage ?? null,
    m.tag ?? null,
    m.submittedAt,
    t.clock.now(),
  );
}

const rollupRows = () => ({
  hourly: t.db.prepare('SELECT * FROM traffic_hourly ORDER BY hour_start, number').all(),
  reasons: t.db.prepare('SELECT * FROM traffic_failure_reasons ORDER BY hour_start, number, reason').all(),
});

describe('traffic rollups', () => {
  it('puts a message in the UTC hour it belongs to, to the millisecond at the boundaries', () => {
    send(SUPPORT, at('11:59:59.999'));
    send(SUPPORT, at('12:00:00.000'));
    send(SUPPORT, at('12:59:59.999'));
    receive(SUPPORT, at('12:59:59.999'));
    receive(SUPPORT, at('13:00:00.000'));
    traffic.rebuild(at('11:00:00'), at('14:00:00'));

    expect(traffic.hourly(at('11:00:00'), at('14:00:00')).map((h) => [h.hourStart, h.sent, h.inbound])).toEqual([
      [at('11:00:00'), 1, 0],
      [at('12:00:00'), 2, 1],
      [at('13:00:00'), 0, 1],
    ]);
  });

  it('gives one row per hour of the range, zeros where nothing happened, and reads partial hours whole', () => {
    send(SUPPORT, at('11:10:00'));
    receive(SUPPORT, at('14:20:00'));
    traffic.rebuild(at('09:00:00'), at('15:00:00'));

    const hours = traffic.hourly(at('10:30:00'), at('14:05:00'));
    expect(hours.map((h) => h.hourStart)).toEqual([
      at('10:00:00'),
      at('11:00:00'),
      at('12:00:00'),
      at('13:00:00'),
      at('14:00:00'),
    ]);
    expect(hours.map((h) => h.sent + h.inbound)).toEqual([0, 1, 0, 0, 1]);
    expect(hours[0]).toEqual({ hourStart: at('10:00:00'), sent: 0, delivered: 0, failed: 0, inbound: 0, relayed: 0 });
    expect(traffic.hourly(at('10:00:00'), at('10:00:00'))).toEqual([]);
  });

  it('counts delivered and failed apart from messages still in progress, and filters by number in any form', () => {
    send(SUPPORT, at('12:01:00'), 'delivered');
    send(SUPPORT, at('12:02:00'), 'undelivered', 'Rejected by far-end carrier');
    send(SUPPORT, at('12:03:00'), 'sent');
    send(SUPPORT, at('12:04:00'), 'dlr_expired', 'No report from the carrier');
    send(`+${OTTAWA}`, at('12:05:00'), 'rejected');
    receive(OTTAWA, at('12:06:00'));
    receive(`+${OTTAWA}`, at('12:07:00'));
    traffic.rebuild(at('12:00:00'), at('13:00:00'));
    const window = [at('12:00:00'), at('13:00:00')] as const;

    expect(traffic.totals(...window, '+1 415 555 0100')).toEqual({ sent: 4, delivered: 1, failed: 1, inbound: 0, relayed: 0 });
    expect(traffic.totals(...window, SUPPORT)).toEqual(traffic.totals(...window, '+14155550100'));
    expect(traffic.totals(...window, OTTAWA)).toEqual({ sent: 1, delivered: 0, failed: 1, inbound: 2, relayed: 0 });
    expect(traffic.totals(...window)).toEqual({ sent: 5, delivered: 1, failed: 2, inbound: 2, relayed: 0 });
    expect(traffic.hourly(...window, `+${OTTAWA}`)).toEqual([
      { hourStart: at('12:00:00'), sent: 1, delivered: 0, failed: 1, inbound: 2, relayed: 0 },
    ]);
    expect(traffic.perNumber(...window)).toEqual([
      { number: SUPPORT, sent: 4, delivered: 1, failed: 1, inbound: 0, relayed: 0 },
      { number: OTTAWA, sent: 1, delivered: 0, failed: 1, inbound: 2, relayed: 0 },
    ]);
    expect(traffic.totals(...window, '12025550143')).toEqual({ sent: 0, delivered: 0, failed: 0, inbound: 0, relayed: 0 });
  });

  it('ranks failure reasons, most frequent first: the error message, else the status', () => {
    for (const minute of ['01', '02', '03']) send(SUPPORT, at(`12:${minute}:00`), 'undelivered', 'Rejected by far-end carrier');
    send(SUPPORT, at('12:04:00'), 'expired');
    send(SUPPORT, at('13:04:00'), 'expired');
    send(OTTAWA, at('12:05:00'), 'rejected', 'Spam filter');
    send(OTTAWA, at('12:06:00'), 'delivered');
    send(OTTAWA, at('12:07:00'), 'dlr_expired', 'No report from the carrier');
    traffic.rebuild(at('12:00:00'), at('14:00:00'));

    expect(traffic.failureReasons(at('12:00:00'), at('14:00:00'))).toEqual([
      { reason: 'Rejected by far-end carrier', count: 3 },
      { reason: 'expired', count: 2 },
      { reason: 'Spam filter', count: 1 },
    ]);
    expect(traffic.failureReasons(at('12:00:00'), at('14:00:00'), undefined, 1)).toEqual([
      { reason: 'Rejected by far-end carrier', count: 3 },
    ]);
    expect(traffic.failureReasons(at('12:00:00'), at('14:00:00'), `+${OTTAWA}`)).toEqual([{ reason: 'Spam filter', count: 1 }]);
    expect(traffic.failureReasons(at('13:00:00'), at('14:00:00'))).toEqual([{ reason: 'expired', count: 1 }]);
  });

  it("shows a reply's failure by its status and no phone number Wavix's words quote (any member reads these)", () => {
    const quoting = 'Carrier blocked content "PANGOLIN42 secret" to +44 7400 918273';
    reports.upsertOutbound({
      wavixMessageId: `out-${++seq}`,
      fromNumber: SUPPORT,
      toNumber: '447400918273',
      status: 'undelivered',
      errorMessage: quoting,
      tag: 'smsops-reply:C0INBOX01:1764064800.000100',
      submittedAt: at('12:01:00'),
    });
    send(SUPPORT, at('12:02:00'), 'undelivered', 'Absent subscriber +447400111222');
    send(SUPPORT, at('12:03:00'), 'undelivered', 'Absent subscriber +44/7400/333444');
    // Sent from PortSIP, not a reply: the text a carrier quotes is cut all the same.
    send(SUPPORT, at('12:04:00'), 'rejected', 'Carrier blocked content "Hi Jane, your PANGOLIN42 result" to +447400555666');
    send(SUPPORT, at('12:05:00'), 'rejected', "Blocked by the recipient's carrier: 'PANGOLIN42 again'");
    traffic.rebuild(at('12:00:00'), at('13:00:00'));

    const reasons = traffic.failureReasons(at('12:00:00'), at('13:00:00'));
    expect(reasons).toEqual([
      { reason: 'Absent subscriber a number', count: 2 },
      { reason: 'Blocked by the recipient\'s carrier: "…"', count: 1 },
      { reason: 'Carrier blocked content "…" to a number', count: 1 },
      { reason: 'undelivered', count: 1 },
    ]);
    const finished = traffic.outboundFinished(at('12:00:00'), at('13:00:00'));
    expect(finished).toEqual([{ number: SUPPORT, delivered: 0, failed: 5, topFailure: 'Absent subscriber a number' }]);
    expect(JSON.stringify([reasons, finished])).not.toMatch(/PANGOLIN|7400/);
  });

  it('counts as relayed only inbound messages whose PortSIP delivery was delivered', () => {
    const both = receive(SUPPORT, at('12:01:00'));
    receive(SUPPORT, at('12:02:00')); // PortSIP still pending, Slack delivered
    const dead = receive(SUPPORT, at('12:03:00'));
    receive(SUPPORT, at('12:04:00'), [slack]); // no PortSIP route at all
    t.clock.set(at('12:10:00'));
    for (const d of deliveries.claimDue('slack', 10, 60_000)) deliveries.markDelivered(d.id, 200);
    for (const d of deliveries.claimDue('portsip', 10, 60_000)) {
      if (d.inboundMessageId === both) deliveries.markDelivered(d.id, 200);
      else if (d.inboundMessageId === dead) deliveries.markDead(d.id, { statusCode: 404, error: 'Not Found' });
    }
    traffic.rebuild(at('12:00:00'), at('13:00:00'));

    expect(traffic.totals(at('12:00:00'), at('13:00:00'), SUPPORT)).toMatchObject({ inbound: 4, relayed: 1 });
  });

  it('rebuilds idempotently, and a rebuild takes in what changed since (a later delivery report)', () => {
    const late = send(`+${SUPPORT}`, at('12:10:00'), 'sent');
    send(SUPPORT, at('12:20:00'), 'delivered');
    receive(SUPPORT, at('12:30:00'));
    traffic.rebuild(at('12:00:00'), at('13:00:00'));
    const first = rollupRows();
    traffic.rebuild(at('12:00:00'), at('13:00:00'));
    expect(rollupRows()).toEqual(first);
    expect(traffic.totals(at('12:00:00'), at('13:00:00'))).toMatchObject({ sent: 2, delivered: 1, failed: 0, inbound: 1 });

    t.clock.set(at('12:40:00'));
    report(late, `+${SUPPORT}`, 'undelivered', 'Rejected by far-end carrier');
    // A window touching any part of the hour recomputes the whole hour.
    traffic.rebuild(at('12:45:00'), at('12:46:00'));
    expect(traffic.totals(at('12:00:00'), at('13:00:00'))).toEqual({ sent: 2, delivered: 1, failed: 1, inbound: 1, relayed: 0 });
    expect(traffic.failureReasons(at('12:00:00'), at('13:00:00'))).toEqual([{ reason: 'Rejected by far-end carrier', count: 1 }]);
  });

  it('leaves hours outside the window as they were', () => {
    send(SUPPORT, at('11:30:00'));
    traffic.rebuild(at('11:00:00'), at('12:00:00'));
    send(SUPPORT, at('11:40:00'));
    traffic.rebuild(at('12:00:00'), at('13:00:00'));

    expect(traffic.totals(at('11:00:00'), at('12:00:00')).sent).toBe(1);
  });

  it('places a message known only from a delivery report at the time the report came', () => {
    t.clock.set(at('12:59:00'));
    report('dlr-only', `+${SUPPORT}`, 'delivered');
    traffic.rebuild(at('12:00:00'), at('14:00:00'));

    expect(traffic.hourly(at('12:00:00'), at('14:00:00'), SUPPORT).map((h) => h.delivered)).toEqual([1, 0]);
  });

  it('keeps a message known only from delivery reports in the hour of the first report, however late the next comes', () => {
    // "sent" came at 07:00 and was in that morning's digest; "delivered" came at 09:00. Moved to 09:00, the message was
    // counted again by the next day's digest: 2 SMS sent, 4 said (a probe).
    t.clock.set(at('07:00:00'));
    report('dlr-only', `+${SUPPORT}`, 'sent');
    t.clock.set(at('09:00:00'));
    report('dlr-only', `+${SUPPORT}`, 'delivered');
    traffic.rebuild(at('07:00:00'), at('10:00:00'));

    expect(traffic.hourly(at('07:00:00'), at('10:00:00'), SUPPORT).map((h) => [h.sent, h.delivered])).toEqual([
      [1, 1],
      [0, 0],
      [0, 0],
    ]);
  });
});

describe('refreshing only the hours that changed', () => {
  it('recomputes the hours messages, reports and PortSIP deliveries touched, into the rows a full rebuild gives', () => {
    const relayedLater = receive(SUPPORT, at('10:15:00'));
    const reportedLater = send(SUPPORT, at('11:15:00'), 'sent');
    send(OTTAWA, at('12:15:00'), 'delivered');
    expect(traffic.refresh(at('00:00:00'), at('23:00:00'))).toBe(3);
    expect(traffic.refresh(at('00:00:00'), at('23:00:00'))).toBe(0);
    expect(traffic.totals(at('10:00:00'), at('13:00:00'))).toEqual({ sent: 2, delivered: 1, failed: 0, inbound: 1, relayed: 0 });

    t.clock.set(at('13:05:00'));
    report(reportedLater, SUPPORT, 'undelivered', 'Rejected by far-end carrier');
    for (const d of deliveries.claimDue('portsip', 10, 60_000)) {
      if (d.inboundMessageId === relayedLater) deliveries.markDelivered(d.id, 200);
    }
    receive(OTTAWA, at('13:10:00'));
    report('dlr-only', `+${OTTAWA}`, 'delivered'); // counted at 13:10 for now...
    expect(traffic.refresh(at('00:00:00'), at('23:00:00'))).toBe(3); // 10, 11 and 13 h, not the untouched 12 h
    expect(traffic.totals(at('13:00:00'), at('14:00:00'), OTTAWA)).toMatchObject({ delivered: 1, inbound: 1 });
    reports.upsertOutbound({
      wavixMessageId: 'dlr-only',
      fromNumber: `+${OTTAWA}`,
      toNumber: '447400123456',
      status: 'delivered',
      submittedAt: at('12:59:00'), // ...until Wavix lists it with its submission time
    });
    expect(traffic.refresh(at('00:00:00'), at('23:00:00'))).toBe(2); // the hour it left and the hour it joined
    const refreshed = rollupRows();
    traffic.rebuild(at('00:00:00'), at('23:00:00'));

    expect(rollupRows()).toEqual(refreshed);
    expect(traffic.totals(at('10:00:00'), at('14:00:00'))).toEqual({ sent: 3, delivered: 2, failed: 1, inbound: 2, relayed: 1 });
    expect(traffic.hourly(at('12:00:00'), at('14:00:00'), OTTAWA).map((h) => [h.delivered, h.inbound])).toEqual([
      [2, 0],
      [0, 1],
    ]);
  });

  it('leaves stale hours outside the window for a later refresh', () => {
    send(SUPPORT, at('09:30:00'));
    send(SUPPORT, at('12:30:00'));
    expect(traffic.refresh(at('12:00:00'), at('13:00:00'))).toBe(1);
    expect(traffic.totals(at('09:00:00'), at('10:00:00')).sent).toBe(0);
    expect(traffic.refresh(at('09:00:00'), at('13:00:00'))).toBe(1);
    expect(traffic.totals(at('09:00:00'), at('10:00:00')).sent).toBe(1);
  });

  it("rebuilds, after the upgrade, the failure reasons an older version rolled up in a reply's quoting words", () => {
    const dir = mkdtempSync(join(tmpdir(), 'smsops-upgrade-'));
    try {
      const before = join(dir, 'migrations-before');
      mkdirSync(before);
      for (const file of readdirSync(DEFAULT_MIGRATIONS_DIR).filter((f) => Number(f.slice(0, 3)) < 35)) {
        copyFileSync(join(DEFAULT_MIGRATIONS_DIR, file), join(before, file));
      }
      const path = join(dir, 'smsops.db');
      const old = openDatabase(path, { migrationsDir: before, now: t.clock.now }).db;
      t.clock.set(at('12:10:00'));
      const quoting = 'Carrier blocked content "PANGOLIN42" to +44 7400 918273';
      storedByOlderVersion(old, {
        wavixMessageId: 'old-reply',
        fromNumber: SUPPORT,
        toNumber: '447400918273',
        status: 'undelivered',
        errorMessage: quoting,
        tag: 'smsops-reply:C0INBOX01:1764064800.000100',
        submittedAt: at('12:05:00'),
      });
      // The hour as the older version rolled it up: the reply's failure in Wavix's words, the hour no longer stale.
      old.prepare('DELETE FROM traffic_stale_hours').run();
      old
        .prepare('INSERT INTO traffic_failure_reasons (hour_start, number, reason, count) VALUES (?, ?, ?, 1)')
        .run(at('12:00:00'), SUPPORT, quoting);
      closeDatabase(old);

      const upgraded = openDatabase(path, { now: t.clock.now }).db;
      try {
        const upgradedTraffic = createTrafficRepository(upgraded, t.clock.now);
        upgradedTraffic.refresh(at('00:00:00'), at('23:00:00'));
        expect(upgradedTraffic.failureReasons(at('12:00:00'), at('13:00:00'))).toEqual([{ reason: 'undelivered', count: 1 }]);
      } finally {
        closeDatabase(upgraded);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('counts messages stored before the traffic tables existed at the first refresh', () => {
    const dir = mkdtempSync(join(tmpdir(), 'smsops-upgrade-'));
    try {
      const before = join(dir, 'migrations-before');
      mkdirSync(before);
      for (const file of readdirSync(DEFAULT_MIGRATIONS_DIR).filter((f) => Number(f.slice(0, 3)) < 10)) {
        copyFileSync(join(DEFAULT_MIGRATIONS_DIR, file), join(before, file));
      }
      const path = join(dir, 'smsops.db');
      const old = openDatabase(path, { migrationsDir: before, now: t.clock.now }).db;
      t.clock.set(at('08:20:00'));
      storedByOlderVersion(old, {
        wavixMessageId: 'old-out',
        fromNumber: `+${SUPPORT}`,
        toNumber: '447400123456',
        status: 'delivered',
        submittedAt: at('08:10:00'),
      });
      createInboundRepository(old, t.clock.now).insertWithDeliveries(
        {
          wavixMessageId: 'old-in',
          fromNumber: '447911123456',
          toNumber: SUPPORT,
          messageType: 'sms',
          text: 'hi',
          media: null,
          receivedAtText: 'x',
          receivedAt: null,
          contentType: 'application/json',
          rawBody: Buffer.from('{}'),
        },
        [portsip],
      );
      closeDatabase(old);

      const upgraded = openDatabase(path, { now: t.clock.now }).db;
      try {
        const upgradedTraffic = createTrafficRepository(upgraded, t.clock.now);
        expect(upgradedTraffic.refresh(at('00:00:00'), at('23:00:00'))).toBe(1);
        expect(upgradedTraffic.totals(at('08:00:00'), at('09:00:00'), SUPPORT)).toMatchObject({
          sent: 1,
          delivered: 1,
          inbound: 1,
        });
      } finally {
        closeDatabase(upgraded);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('inbound habits', () => {
  it('knows when a number last received a message, whichever form Wavix wrote it in', () => {
    expect(traffic.lastInboundAt(SUPPORT)).toBeNull();
    receive(SUPPORT, at('09:00:00'));
    receive(`+${SUPPORT}`, at('10:00:00'));
    receive(OTTAWA, at('11:00:00'));

    expect(traffic.lastInboundAt('+1 415 555 0100')).toBe(at('10:00:00'));
    expect(traffic.lastInboundAt(OTTAWA)).toBe(at('11:00:00'));
  });

  it('averages inbound messages per day over the days before a moment', () => {
    const until = at('12:00:00');
    for (let day = 1; day <= 7; day++) receive(SUPPORT, until - day * 24 * HOUR + HOUR); // one a day for a week
    receive(SUPPORT, until - 2 * 24 * HOUR + 2 * HOUR); // and a second one two days ago
    receive(SUPPORT, until + HOUR); // after the window
    receive(OTTAWA, until - HOUR);

    expect(traffic.inboundDailyAverage(`+${SUPPORT}`, 7, until)).toBeCloseTo(8 / 7);
    expect(traffic.inboundDailyAverage(SUPPORT, 1, until)).toBe(1);
    expect(traffic.inboundDailyAverage('12025550143', 7, until)).toBe(0);
  });
});
