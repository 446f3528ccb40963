import { afterEach, describe, expect, it } from 'vitest';
import { DOCTOR_ACTION } from '../../src/slack/ids.js';
import { createRoutesRepository } from '../../src/store/repositories/routes.js';
import { freePort } from '../helpers/freePort.js';
import {
  ADMIN,
  ALERT_CHANNEL,
  BOT_TOKEN,
  readable,
  runCommand,
  type SmsopsUnderTest,
  startSmsopsUnderTest,
  stopCheckingSecrets,
} from '../helpers/smsopsUnderTest.js';

let t: SmsopsUnderTest;
afterEach(async () => {
  await stopCheckingSecrets(t);
});

const WASHINGTON = '+12025550143';

// biome-ignore lint/suspicious/noExplicitAny: Slack message bodies are asserted structurally
const sectionWith = (body: any, text: string) =>
  body.blocks.find((b: { type: string; text?: { text: string } }) => b.type === 'section' && b.text?.text.includes(text));

/** The buttons of the actions row right after a finding's section. */
// biome-ignore lint/suspicious/noExplicitAny: Slack message bodies are asserted structurally
const actionsAfter = (body: any, block: unknown) => {
  const next = body.blocks[body.blocks.indexOf(block) + 1];
  return next?.type === 'actions' ? next.elements : [];
};

describe('/sms doctor', () => {
  it('replaces its “Checking…” with the report, and after a fix button shows the report refreshed', async () => {
    const port = await freePort();
    t = await startSmsopsUnderTest({ PORT: String(port), PUBLIC_BASE_URL: `http://127.0.0.1:${port}` });
    await runCommand(t, 'webhook set');
    t.fakeSlack.handle('conversations.info', ({ args }) =>
      args.channel === ALERT_CHANNEL ? { channel: { id: ALERT_CHANNEL, name: 'sms-alerts', is_member: false } } : {},
    );
    // smsops routes SMS for the Washington number, whose inbound SMS is off: a real problem, not a voice DID.
    createRoutesRepository(t.db).set({ number: WASHINGTON, portsipUrl: null, slackChannel: ALERT_CHANNEL, by: ADMIN });

    const before = t.fakeSlack.responses.length;
    const first = await runCommand(t, 'doctor');
    expect(first.viaAck).toBe(false);
    expect(readable(first.body)).toContain('Checking the SMS setup…');
    const reportPost = (await t.fakeSlack.waitForResponses(before + 2))[before + 1];
    const report = reportPost?.body;
    // The report takes the place of “Checking…” (same response_url, replace_original).
    expect(reportPost?.path).toBe(t.fakeSlack.responses[before]?.path);
    expect(report.replace_original).toBe(true);
    const text = readable(report);

    // The summary counts the two broken links: a routed US number without inbound SMS, and the bot outside its channel.
    expect(text).toMatch(/SMS doctor\*: \d+ ok, \d+ warnings?, 2 failures/);
    expect(report.blocks[1].text.text).toContain(':x:');
    expect(text).toContain('Wavix accepts the key');
    expect(text).toContain('Points at smsops.');
    expect(text).toContain('answers with smsops’ health report');
    // An answer from 127.0.0.1 proves smsops answers here, not that the internet (Wavix) reaches it.
    expect(text).toContain(
      "answers with smsops’ health report, but only from here: PUBLIC_BASE_URL's host is a loopback address: Wavix calls this URL from the internet and cannot reach it",
    );
    expect(text).not.toContain('strong evidence');
    expect(text).toContain('Slack channel #sms-alerts (alert channel, inbox channel, route +1 202 555 0143)');
    expect(text).toContain('The bot is not a member, so it cannot post there. Invite the bot: type `/invite @smsops`');
    expect(text).toContain('set PORTSIP_API_URL');
    // The seed's other numbers without SMS are voice DIDs: one line, not one warning each.
    expect(text).toContain('3 numbers are voice-only (no SMS): expected for voice DIDs');
    // Membership was asked with the bot's own token.
    expect(t.fakeSlack.callsTo('conversations.info')[0]?.token).toBe(BOT_TOKEN);

    const washington = sectionWith(report, 'Number +1 202 555 0143 (US)');
    expect(washington.text.text).toContain('Inbound SMS is not active');
    const buttons = actionsAfter(report, washington);
    expect(buttons.map((b: { action_id: string }) => b.action_id)).toEqual([
      DOCTOR_ACTION.fixEnableInbound,
      DOCTOR_ACTION.ignoreNumber,
    ]);
    expect(buttons[0]).toMatchObject({ value: WASHINGTON, text: { text: 'Enable inbound SMS' } });

    // The fix is applied on Wavix, then the same message shows the report as it is now.
    const beforeFix = t.fakeSlack.responses.length;
    await t.slack.blockAction({ actionId: buttons[0].action_id, value: buttons[0].value, userId: ADMIN, isEphemeral: true });
    const refreshed = (await t.fakeSlack.waitForResponses(beforeFix + 1))[beforeFix]?.body;
    expect(refreshed.replace_original).toBe(true);
    expect(readable(refreshed.blocks[0])).toContain('Inbound SMS is now active on +1 202 555 0143');
    expect(readable(refreshed)).toMatch(/SMS doctor\*: \d+ ok, \d+ warnings?, 1 failure/);
    expect(sectionWith(refreshed, 'Number +1 202 555 0143 (US)')).toBeUndefined();
    expect(t.emulator.state().numbers.find((n) => n.number === '12025550143')?.sms_enabled).toBe(true);
  });

  it('does not probe a stored route on a metadata address (set before routes were checked): it says smsops refuses it', async () => {
    t = await startSmsopsUnderTest();
    createRoutesRepository(t.db).set({
      number: 'default',
      portsipUrl: 'http://169.254.169.254/emc/Wavix - US/0d3c1111-2222-3333-4444-555566667777',
      slackChannel: null,
      by: ADMIN,
    });
    const before = t.fakeSlack.responses.length;
    await runCommand(t, 'doctor');
    const report = (await t.fakeSlack.waitForResponses(before + 2))[before + 1]?.body;
    const portsip = sectionWith(report, 'PortSIP route default');
    expect(portsip.text.text).toContain(':x:');
    expect(portsip.text.text).toContain('link-local');
    expect(portsip.text.text).not.toMatch(/connect|reached|Answers/i);
  });

  it('is in the help', async () => {
    t = await startSmsopsUnderTest();
    expect(readable((await runCommand(t, 'help doctor')).body)).toContain('/sms doctor');
  });
});
