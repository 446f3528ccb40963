import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_MIGRATIONS_DIR, openDatabase } from '../../src/store/database.js';
import { createRoutesRepository } from '../../src/store/repositories/routes.js';
import {
  ADMIN,
  readable,
  runCommand,
  type SmsopsUnderTest,
  startSmsopsUnderTest,
  stopCheckingSecrets,
} from '../helpers/smsopsUnderTest.js';

/** "set by" in a route's answer and in the route list names whoever set it last: the one to ask where it points now. */

const ADMIN_B = 'U0ADMIN002';
const URL = 'https://pbx.example.com:8887/emc/Wavix - US/a558d635-66e0-4c64-9d3b-2f5c1e7a8b90';

let t: SmsopsUnderTest | undefined;
const dirs: string[] = [];
afterEach(async () => {
  if (t) {
    await stopCheckingSecrets(t);
    t = undefined;
  }
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('who set a route', () => {
  it('is the admin who set it last, in the answer and the list, not the one who created it', async () => {
    t = await startSmsopsUnderTest({ SLACK_ADMIN_USERS: `${ADMIN},${ADMIN_B}` });
    const smsops = t;
    const first = readable((await runCommand(smsops, `route set +14155550100 ${URL}`)).body);
    expect(first).toContain(`set by <@${ADMIN}>`);

    const again = readable((await runCommand(smsops, 'route set +14155550100 <#C0TEAMB001|team-b>', { userId: ADMIN_B })).body);
    expect(again).toContain(`set by <@${ADMIN_B}>`);
    // The first admin is named only as who set what this change replaced (the "Put back" line).
    expect(again.replace(/Replaced: [^\n]*\(set by <@U0ADMIN001>\)/, '')).not.toContain(`<@${ADMIN}>`);
    expect(again).toMatch(/Replaced: [^\n]*\(set by <@U0ADMIN001>\)/);
    const list = readable((await runCommand(smsops, 'route list')).body);
    expect(list).toContain(`set by <@${ADMIN_B}>`);
    expect(list).not.toContain(`<@${ADMIN}>`);
  });

  it('is the creator for a route stored before smsops recorded who set it last, until it is set again', () => {
    const dir = mkdtempSync(join(tmpdir(), 'smsops-route-by-'));
    dirs.push(dir);
    const before = join(dir, 'migrations');
    cpSync(DEFAULT_MIGRATIONS_DIR, before, { recursive: true, filter: (path) => !path.endsWith('033_route_updated_by.sql') });
    const path = join(dir, 'smsops.db');
    const old = openDatabase(path, { migrationsDir: before }).db;
    old
      .prepare('INSERT INTO routes (number, portsip_url, created_by, created_at, updated_at) VALUES (?, ?, ?, 0, 0)')
      .run('default', URL, 'U0CREATOR1');
    old.close();

    const { db } = openDatabase(path);
    try {
      const routes = createRoutesRepository(db);
      expect(routes.get('default')).toMatchObject({ createdBy: 'U0CREATOR1', updatedBy: 'U0CREATOR1' });
      routes.set({ number: 'default', portsipUrl: URL, slackChannel: null, by: 'U0LATER001' });
      expect(routes.get('default')).toMatchObject({ createdBy: 'U0CREATOR1', updatedBy: 'U0LATER001' });
    } finally {
      db.close();
    }
  });
});
