import { describe, expect, it } from 'vitest';
import { REQUIRED_BOT_SCOPES } from '../../src/core/slackScopes.js';
import { readable, runCommand, type SmsopsUnderTest } from '../helpers/smsopsUnderTest.js';
import { useSmsops } from '../helpers/smsopsWithSink.js';

const rig = useSmsops();
let t: SmsopsUnderTest | undefined;

/** The report's line for the scope check: its title up to the next line. */
const scopeLine = (report: string) => report.split('\n').find((line) => line.includes('Slack app scopes')) ?? '';

const doctorReport = async (s: SmsopsUnderTest) => {
  const before = s.fakeSlack.responses.length;
  await runCommand(s, 'doctor all');
  const posted = await s.fakeSlack.waitForResponses(before + 2);
  return readable(posted[before + 1]?.body);
};

describe('/sms doctor and the bot token’s scopes (real app, fake Slack stating them as Slack does)', () => {
  it('fails a token an admin took files:write from, naming the scope and the feature it stops, and what to do', async () => {
    t = await rig.start();
    expect(scopeLine(await doctorReport(t))).toContain('The bot token has every scope manifest.yml asks for.');

    t.fakeSlack.setBotScopes(Object.keys(REQUIRED_BOT_SCOPES).filter((scope) => scope !== 'files:write'));
    const report = await doctorReport(t);
    const line = scopeLine(report);
    expect(line).toContain(':x:');
    expect(report).toContain(
      'The bot token lacks `files:write` (the traffic chart): add it (manifest.yml has all) and reinstall the app; a new bot token goes in SLACK_BOT_TOKEN, then restart smsops.',
    );
  });

  it('claims nothing when Slack’s answer does not state the scopes (a proxy dropping the header)', async () => {
    t = await rig.start();
    t.fakeSlack.setBotScopes(undefined);
    const report = await doctorReport(t);
    expect(report).toContain("Slack's answer did not say which scopes the bot token has");
    expect(report).not.toContain('The bot token lacks');
  });
});
