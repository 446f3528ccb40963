import { cpSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { closeDatabase, DEFAULT_MIGRATIONS_DIR, openDatabase } from '../../src/store/database.js';
import { REPLY_THREAD } from '../helpers/replyThreads.js';
import { ADMIN, readable, runCommand, type SmsopsUnderTest, startSmsopsUnderTest } from '../helpers/smsopsUnderTest.js';

const { inbox: INBOX, replier: REPLIER, customer: CUSTOMER, ourNumber: OUR_NUMBER } = REPLY_THREAD;
const MINUTE = 60_000;

let t: SmsopsUnderTest | undefined;
const dirs: string[] = [];
afterEach(async () => {
  await t?.stop();
  t = undefined;
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/**
 * A reply left "May have been sent" by a release before replies were sent with their tag (before migration 030): a
 * look-up by tag can never find it, sent or not, so its "no record" says nothing.
 */
describe('an upgrade from a release that sent replies without their tag', () => {
  it('does not look up, nor tell "Not sent … you may post it again" of, a reply of unknown outcome that release left', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'smsops-untagged-'));
    dirs.push(dir);
    const before030 = join(dir, 'migrations');
    mkdirSync(before030);
    for (const file of readdirSync(DEFAULT_MIGRATIONS_DIR).filter((f) => /^0(0\d|1\d|2\d)_.*\.sql$/.test(f))) {
      cpSync(join(DEFAULT_MIGRATIONS_DIR, file), join(before030, file));
    }
    const path = join(dir, 'smsops.db');
    const at = Date.now() - 2 * 24 * 60 * MINUTE;
    const { db } = openDatabase(path, { migrationsDir: before030, now: () => at - MINUTE });
    db.prepare(
      `INSERT INTO conversation_replies (slack_channel, thread_ts, slack_message_ts, slack_user, from_number, to_number,
        text_length, segments, encoding, status, status_reason, created_at, status_at, status_ts)
       VALUES (?, '1800000800.000001', '1800000800.000002', ?, ?, ?, 10, 1, 'GSM-7', 'unknown', 'Wavix did not answer in time.',
        ?, ?, '1800000800.000003')`,
    ).run(INBOX, REPLIER, OUR_NUMBER, CUSTOMER, at, at);
    closeDatabase(db);

    const s = await startSmsopsUnderTest({
      SLACK_INBOX_CHANNEL: INBOX,
      SLACK_RELAY_PACE_MS: '0',
      PUBLIC_BASE_URL: undefined,
      DATABASE_PATH: path,
      SKIP_PRE_UPGRADE_BACKUP: '1',
    });
    t = s;
    s.fakeSlack.setChannelMembers(INBOX, [ADMIN, REPLIER]);
    for (const step of [0, 5 * MINUTE, 30 * MINUTE]) {
      await s.emulator.clock.advance(step + 1000);
      await runCommand(s, 'jobs run reply-lookups');
    }
    const row = s.db.prepare('SELECT status FROM conversation_replies').get() as { status: string };
    expect(row.status).toBe('unknown');
    expect(s.fakeSlack.callsTo('chat.update').map((c) => String(c.args.text))).not.toContainEqual(
      expect.stringMatching(/^Not sent/),
    );
    const health = (await (await fetch(`${s.smsops.url}/healthz`)).json()) as { replyLookups: string };
    expect(health.replyLookups).toBe('ok');
    expect(readable((await runCommand(s, 'jobs run reply-lookups')).body)).toContain('0 found, 0 not sent');
  });
});
