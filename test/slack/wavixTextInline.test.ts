import { afterEach, describe, expect, it } from 'vitest';
import { freePort } from '../helpers/freePort.js';
import { formattedTexts } from '../helpers/slackText.js';
import {
  ADMIN,
  runCommand,
  type SmsopsUnderTest,
  startSmsopsUnderTest,
  stopCheckingSecrets,
} from '../helpers/smsopsUnderTest.js';

let t: SmsopsUnderTest;
afterEach(async () => {
  await stopCheckingSecrets(t);
});

const start = async () => {
  const port = await freePort();
  t = await startSmsopsUnderTest({ PORT: String(port), PUBLIC_BASE_URL: `http://127.0.0.1:${port}` });
};

/** Every line Slack would show of a message: its mrkdwn and plain texts, split where they break. */
// biome-ignore lint/suspicious/noExplicitAny: Slack message bodies are asserted structurally
const linesOf = (body: any) => formattedTexts(body.blocks ?? body).flatMap((text) => text.split('\n'));

/** The doctor report that replaces “Checking…”. */
async function doctorReport(command: string) {
  const before = t.fakeSlack.responses.length;
  await runCommand(t, command);
  return (await t.fakeSlack.waitForResponses(before + 2))[before + 1]?.body;
}

describe('text from Wavix in Slack', () => {
  it('a number label cannot make a line of its own in /sms doctor all or /sms number list', async () => {
    await start();
    const support = t.emulator.state().numbers.find((n) => n.number === '14155550100');
    if (!support) throw new Error('no support number');
    support.label = 'Support\n:x: *Wavix API key* / Wavix refused the API key';

    const all = linesOf(await doctorReport('doctor all'));
    expect(all.filter((line) => line.includes('Wavix refused the API key'))).toEqual([
      '    • Number +1 415 555 0100 (US) · Support :x: ＊Wavix API key＊ / Wavix refused the API key',
    ]);
    const list = linesOf((await runCommand(t, 'number list')).body);
    expect(list.filter((line) => line.includes('Wavix refused'))).toEqual([
      '*+1 415 555 0100* (US) · Support :x: ＊Wavix API key＊ / Wavix refused the API key',
    ]);
  });

  it('Wavix’s words in a refusal cannot add a line to /sms doctor', async () => {
    await start();
    t.emulator.injectFault({
      path: '/v1/profile',
      status: 403,
      times: Number.POSITIVE_INFINITY,
      body: { message: 'Denied\n:white_check_mark: *Wavix API key*: all fine' },
    });
    const lines = linesOf(await doctorReport('doctor'));
    expect(lines.filter((line) => line.includes('all fine'))).toEqual([
      expect.stringMatching(
        /^Wavix does not allow .*\(403\)\. Wavix said: "Denied :white＿check＿mark: ＊Wavix API key＊: all fine"\./,
      ),
    ]);
  });

  it('a Sender ID with a * in it keeps the bold around it whole in /sms doctor all and App Home', async () => {
    await start();
    const sender = t.emulator.state().senderIds[0];
    if (!sender) throw new Error('no Sender ID');
    sender.sender_id = 'Ac*me_';

    const all = linesOf(await doctorReport('doctor all'));
    expect(all).toContain(':white_check_mark: *Sender ID Ac＊me＿ (alphanumeric)*: Approved for GB.');
    await t.slack.event({ type: 'app_home_opened', user: ADMIN, channel: 'D0HOME0001', tab: 'home' });
    const [, home] = await t.fakeSlack.waitFor('views.publish', 2);
    expect(linesOf(home?.args.view)).toContain('• *Ac＊me＿* (alphanumeric): approved GB');
  });
});
