import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ACTION } from '../../src/slack/ids.js';
import { alphanumericSenderIdSubmission } from '../helpers/senderIdSubmission.js';
import {
  ADMIN,
  ALERT_CHANNEL,
  OUTSIDER,
  readable,
  runCommand,
  type SmsopsUnderTest,
  startSmsopsUnderTest,
} from '../helpers/smsopsUnderTest.js';
import { waitUntil } from '../helpers/waitUntil.js';

/**
 * A Sender ID requested by mistake (a typo, a country not meant) could only be withdrawn in the Wavix portal: its
 * pending countries stayed pending in smsops for weeks, and the alert channel was told "deleted in the Wavix portal"
 * with nobody named. `/sms senderid delete` asks, deletes on Wavix, and says who did it.
 */
let t: SmsopsUnderTest;
beforeEach(async () => {
  t = await startSmsopsUnderTest();
});
afterEach(async () => {
  await t.stop();
});

async function requestTypo(): Promise<string> {
  await t.slack.viewSubmission(
    alphanumericSenderIdSubmission({
      viewId: 'V0DEL0001',
      value: 'Acmee',
      countries: ['DE', 'FR'],
      channelId: ALERT_CHANNEL,
      userId: ADMIN,
    }),
  );
  await waitUntil(() => t.emulator.state().senderIds.some((s) => s.sender_id === 'Acmee'), 10_000, 'made on Wavix');
  await waitUntil(() => t.fakeSlack.callsTo('chat.postMessage').length > 0, 10_000, 'announced');
  return t.emulator.state().senderIds.find((s) => s.sender_id === 'Acmee')?.id ?? '';
}

const press = (value: string, userId = ADMIN, n = 1) =>
  t.slack.blockAction({
    actionId: ACTION.confirmSenderIdDelete,
    value,
    userId,
    isEphemeral: true,
    responseUrl: `${t.fakeSlack.responseUrl}delete-${n}`,
  });

describe('/sms senderid delete', () => {
  it('asks first, naming what goes; "Delete" deletes it on Wavix and the channel is told who', async () => {
    const wavixId = await requestTypo();
    const asked = await runCommand(t, 'senderid delete Acmee');
    const question = readable(asked.body);
    expect(question).toContain('It can no longer send in Germany (DE)');
    expect(question).toContain('The requests for France (FR) are withdrawn');
    expect(t.emulator.state().senderIds.some((s) => s.id === wavixId)).toBe(true);

    const before = t.fakeSlack.responses.length;
    await press(JSON.stringify({ wavixId }));
    const [answer] = (await t.fakeSlack.waitForResponses(before + 1)).slice(before);
    expect(readable(answer?.body)).toContain('Sender ID *Acmee* is deleted on Wavix');
    expect(t.emulator.state().senderIds.some((s) => s.id === wavixId)).toBe(false);

    await waitUntil(
      () => t.fakeSlack.callsTo('chat.postMessage').some((c) => String(c.args.text).includes('deleted from Slack')),
      10_000,
      'the deletion announced',
    );
    const said = t.fakeSlack.callsTo('chat.postMessage').map((c) => String(c.args.text));
    expect(said).toContainEqual(
      `Sender ID Acmee (requested by <@${ADMIN}>): deleted from Slack by <@${ADMIN}>: no longer approved in DE; no longer pending in FR`,
    );
    expect(said.filter((text) => text.includes('deleted'))).toHaveLength(1);

    const status = readable((await runCommand(t, 'senderid status Acmee')).body);
    expect(status).toContain(`*Deleted from Slack by <@${ADMIN}>*`);

    // Pressed again (or a colleague's copy): nothing more is asked of Wavix.
    const deletes = () => t.emulator.requests().filter((r) => r.method === 'DELETE').length;
    const calls = deletes();
    const again = t.fakeSlack.responses.length;
    await press(JSON.stringify({ wavixId }), ADMIN, 2);
    const [second] = (await t.fakeSlack.waitForResponses(again + 1)).slice(again);
    expect(readable(second?.body)).toContain('is deleted already; nothing more was done');
    expect(deletes()).toBe(calls);
  });

  it('is refused to members who may not change the setup, before anything is asked or deleted', async () => {
    const wavixId = await requestTypo();
    const asked = await runCommand(t, 'senderid delete Acmee', { userId: OUTSIDER });
    expect(readable(asked.body)).toContain('Only the smsops admins');
    const before = t.fakeSlack.responses.length;
    await press(JSON.stringify({ wavixId }), OUTSIDER);
    const [answer] = (await t.fakeSlack.waitForResponses(before + 1)).slice(before);
    expect(readable(answer?.body)).toContain('Only the smsops admins');
    expect(t.emulator.state().senderIds.some((s) => s.id === wavixId)).toBe(true);
  });

  it("tells Wavix's refusal in its words and leaves the Sender ID as it was", async () => {
    const wavixId = await requestTypo();
    t.emulator.injectFault({
      method: 'DELETE',
      path: `/v3/messages/sender-ids/${wavixId}`,
      status: 422,
      body: { success: false, message: 'Sender ID is in use by an active campaign' },
    });
    const before = t.fakeSlack.responses.length;
    await press(JSON.stringify({ wavixId }));
    const [answer] = (await t.fakeSlack.waitForResponses(before + 1)).slice(before);
    expect(readable(answer?.body)).toContain('Sender ID is in use by an active campaign');
    const status = readable((await runCommand(t, 'senderid status Acmee')).body);
    expect(status).not.toContain('Deleted');
    expect(status).toContain('France (FR): pending');
  });

  it('names each Sender ID a text matches, with its Wavix id, instead of picking one', async () => {
    await requestTypo();
    await t.slack.viewSubmission(
      alphanumericSenderIdSubmission({
        viewId: 'V0DEL0002',
        value: 'Acmee',
        countries: ['GB'],
        channelId: ALERT_CHANNEL,
        userId: ADMIN,
      }),
    );
    await waitUntil(() => t.emulator.state().senderIds.filter((s) => s.sender_id === 'Acmee').length === 2, 10_000, 'two');
    const asked = readable((await runCommand(t, 'senderid delete Acmee')).body);
    expect(asked).toContain('"Acmee" matches 2 Sender IDs');
    expect(asked).toContain('Give the Wavix id of the one to delete');
  });
});
