import { describe, expect, it } from 'vitest';
import { OUTSIDER, readable, runCommand, type SmsopsUnderTest } from '../helpers/smsopsUnderTest.js';
import { useSmsops } from '../helpers/smsopsWithSink.js';

const rig = useSmsops();
let t: SmsopsUnderTest | undefined;

describe('a member refused in a loop', () => {
  it('is told every time, and recorded 5 times a minute in the audit log, not once per attempt', async () => {
    t = await rig.start();
    const reason = 'x'.repeat(200);
    for (let i = 0; i < 20; i++) {
      const answer = readable((await runCommand(t, `doctor ignore +1 202 555 0143 ${reason}`, { userId: OUTSIDER })).body);
      expect(answer).toContain('Only the smsops admins');
    }
    const rows = t.db.prepare("SELECT count(*) AS n FROM audit_log WHERE actor = ? AND outcome = 'refused'").get(OUTSIDER) as {
      n: number;
    };
    // Before: 20 entries, one per attempt (864,000 a day for a script at 10 a second, kept a year).
    expect(rows.n).toBe(5);
    // Another action of theirs is recorded on its own.
    await runCommand(t, 'route remove +1 202 555 0143', { userId: OUTSIDER });
    const actions = t.db
      .prepare("SELECT action FROM audit_log WHERE actor = ? AND outcome = 'refused' ORDER BY id")
      .all(OUTSIDER) as Array<{ action: string }>;
    expect(actions.map((a) => a.action)).toEqual([...Array(5).fill('doctor.ignore'), 'route.remove']);
  });
});
