import { chmodSync, existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { closeDatabase, openDatabase } from '../../src/store/database.js';
import { type SmsopsUnderTest, startSmsopsUnderTest, WEBHOOK_SECRET } from '../helpers/smsopsUnderTest.js';

const mode = (path: string) => (statSync(path).mode & 0o777).toString(8);

let root: string;
let t: SmsopsUnderTest | undefined;
let umask: number;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'smsops-modes-'));
  // The usual umask, which left the files 0644 and the folder 0755 before.
  umask = process.umask(0o022);
});
afterEach(async () => {
  process.umask(umask);
  await t?.stop();
  t = undefined;
  rmSync(root, { recursive: true, force: true });
});

async function receiveOneSms(smsops: SmsopsUnderTest) {
  const response = await fetch(`${smsops.smsops.url}/webhooks/wavix/inbound/${WEBHOOK_SECRET}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      message_id: 'modes-1',
      message_type: 'sms',
      from: '447400123456',
      to: '14155550100',
      message_body: { text: 'private', media: null },
      received_at: '2026-11-25T10:00:00.000Z',
    }),
  });
  expect(response.status).toBe(200);
}

describe('database file modes', () => {
  it('creates the folder 0700 and the database, -wal and -shm 0600 whatever the umask', async () => {
    const path = join(root, 'data', 'smsops.db');
    t = await startSmsopsUnderTest({ DATABASE_PATH: path });
    await receiveOneSms(t);
    expect(existsSync(`${path}-wal`)).toBe(true);
    expect(mode(join(root, 'data'))).toBe('700');
    expect([mode(path), mode(`${path}-wal`), mode(`${path}-shm`)]).toEqual(['600', '600', '600']);
    expect(t.logs.join('\n')).not.toContain('readable by other local users');
  });

  it('tightens an existing world-readable database (and its WAL) at start, with a warning', async () => {
    const path = join(root, 'smsops.db');
    const first = openDatabase(path);
    closeDatabase(first.db);
    chmodSync(path, 0o644);
    const reopened = openDatabase(path); // leaves -wal and -shm behind while open
    chmodSync(`${path}-wal`, 0o644);
    chmodSync(path, 0o644);
    t = await startSmsopsUnderTest({ DATABASE_PATH: path });
    closeDatabase(reopened.db);
    expect(mode(path)).toBe('600');
    await receiveOneSms(t);
    expect([mode(path), mode(`${path}-wal`), mode(`${path}-shm`)]).toEqual(['600', '600', '600']);
    const warnings = t.logs.filter((line) => line.includes('readable by other local users'));
    expect(warnings.some((line) => line.includes('"mode":"644"') && line.includes('smsops.db"'))).toBe(true);
    expect(warnings.some((line) => line.includes('smsops.db-wal'))).toBe(true);
  });
});
