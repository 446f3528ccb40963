import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { formattedTexts } from '../helpers/slackText.js';
import { ADMIN, OUTSIDER, runCommand, type SmsopsUnderTest, startSmsopsUnderTest } from '../helpers/smsopsUnderTest.js';

let t: SmsopsUnderTest | undefined;
afterEach(async () => {
  await t?.stop();
  t = undefined;
});

const PING = /<!channel>|<!here>|<@U0EVIL>/;

describe('/sms problems quote what was typed without pinging', () => {
  // biome-ignore lint/suspicious/noExplicitAny: Slack bodies asserted structurally
  const pings = (body: any): string[] =>
    [...formattedTexts(body.blocks ?? []), String(body.text ?? '')].filter((s) => PING.test(s));

  it('`/sms doctor ignore|unignore <!channel>` answers without a ping (the phone error quotes the word)', async () => {
    t = await startSmsopsUnderTest();
    for (const user of [ADMIN, OUTSIDER])
      for (const text of ['doctor ignore <!channel> <@U0EVIL>', 'doctor unignore <!here>', 'doctor ignore &lt;!channel&gt;']) {
        const { body } = await runCommand(t, text, { userId: user });
        expect(pings(body), `${text} as ${user}`).toEqual([]);
      }
  });

  it('an unexpected failure (the database locked) quotes the command typed without a ping or a live link', async () => {
    t = await startSmsopsUnderTest();
    const shell = new Database(t.db.name);
    shell.exec('BEGIN IMMEDIATE');
    try {
      for (const text of ['doctor ignore +12025550143 <!channel>', 'doctor ignore +12025550143 <http://e|x>']) {
        const { body } = await runCommand(t, text, { userId: ADMIN });
        expect(String(body.text), text).toContain('the database is locked by another process');
        expect(pings(body), text).toEqual([]);
        expect(String(body.text), text).not.toMatch(/<https?:/);
        expect(String(body.text), text).toContain('&lt;');
      }
    } finally {
      shell.exec('ROLLBACK');
      shell.close();
    }
  });
});
