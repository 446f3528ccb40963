import { describe, expect, it } from 'vitest';
import { alertText } from '../../src/slack/ui/alerts.js';
import { databaseFileReason } from '../../src/store/databaseFile.js';

// What the on-call reads in the middle of an incident: "kept" must not be said when a restart would lose the data.
describe('the relay_stalled alert in words', () => {
  it('says not to restart smsops when the database file went away, to restore a backup when it was cut short, and that SMS are kept otherwise', () => {
    const gone = alertText({
      rule: 'relay_stalled',
      facts: { problems: [`the database cannot be written: ${databaseFileReason('missing')}`] },
    });
    expect(gone).toContain('Do not stop or restart smsops before the database file is back or saved');
    expect(gone).not.toContain('Acknowledged SMS are kept');

    // Cut short: no whole file held open to save, so the advice is a backup and a restore, not to keep it running.
    const cut = alertText({
      rule: 'relay_stalled',
      facts: { problems: [`the database cannot be written: ${databaseFileReason('cut')}`] },
    });
    expect(cut).toContain('take a backup (`/sms jobs run backup`, kept only if sound)');
    expect(cut).toContain('restore the newest backup with --replace-damaged');
    expect(cut).not.toContain('Do not stop');
    expect(cut).not.toContain('Acknowledged SMS are kept');

    const locked = alertText({
      rule: 'relay_stalled',
      facts: { problems: ['the database cannot be written: the database is locked by another process'] },
    });
    expect(locked).toContain('Acknowledged SMS are kept and go out once it recovers.');
    expect(locked).not.toContain('Do not stop');
  });
});
