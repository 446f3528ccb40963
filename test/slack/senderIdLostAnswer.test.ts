import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SENDER_ID_BLOCK } from '../../src/slack/ids.js';
import { alphanumericSenderIdSubmission } from '../helpers/senderIdSubmission.js';
import {
  ADMIN,
  ALERT_CHANNEL,
  readable,
  runCommand,
  type SmsopsUnderTest,
  startSmsopsUnderTest,
} from '../helpers/smsopsUnderTest.js';

// Wavix created the Sender ID but its answer never reached smsops (the emulator acts, then answers 500; a crash or a
// stop after Wavix acted leaves the same). smsops took it for one made in the Wavix portal with only its approved
// country: `senderid status` showed FR nowhere, a second submit sent FR to Wavix again, and FR's approval was
// announced twice (once "created in the Wavix portal", once "requested by").

let t: SmsopsUnderTest;
beforeEach(async () => {
  t = await startSmsopsUnderTest();
});
afterEach(async () => {
  await t.stop();
});

const submit = (viewId: string) =>
  t.slack.viewSubmission(
    alphanumericSenderIdSubmission({
      viewId,
      value: 'AcmeLost',
      countries: ['DE', 'FR'],
      channelId: ALERT_CHANNEL,
      userId: ADMIN,
    }),
  );
const onWavix = () => t.emulator.state().senderIds.filter((s) => s.sender_id === 'AcmeLost');
const posts = () =>
  t.fakeSlack
    .callsTo('chat.postMessage')
    .filter((c) => !c.error && c.args.channel === ALERT_CHANNEL)
    .map((c) => String(c.args.text));

describe('a Sender ID request Wavix made but whose answer smsops lost', () => {
  it('is known as the request it was: its requester, FR pending, not sent again, its approval announced once', {
    timeout: 30_000,
  }, async () => {
    // The job has read Wavix before (its baseline taken), as on any running smsops.
    await runCommand(t, 'jobs run sender-id-approvals');
    t.emulator.injectFault({ method: 'POST', path: '/v3/messages/sender-ids', status: 500, afterActing: true });

    expect((await submit('V0LOST01')).json.response_action).toBe('update');
    const unknown = await t.fakeSlack.waitFor('views.update', 1);
    expect(readable(unknown.at(-1)?.args.view)).toContain(
      'Wavix answered with an error (HTTP 500), so smsops does not know whether Wavix made AcmeLost',
    );
    expect(onWavix()).toHaveLength(1);

    const status = readable((await runCommand(t, 'senderid status AcmeLost')).body);
    expect(status).toContain(`requested by <@${ADMIN}>`);
    expect(status).toMatch(/France \(FR\): pending/);

    const again = await submit('V0LOST02');
    expect(again.json.response_action).toBe('errors');
    expect(again.json.errors[SENDER_ID_BLOCK.countries]).toContain(
      'AcmeLost is already approved in DE and pending carrier approval in FR',
    );
    expect(onWavix()).toHaveLength(1);

    await runCommand(t, 'jobs run sender-id-approvals');
    await fetch(`${t.emulator.url}/_emulator/sender-ids/${onWavix()[0]?.id}/approve`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ countries: ['FR'] }),
    });
    await runCommand(t, 'jobs run sender-id-approvals');
    const announced = posts().filter((text) => text.includes('AcmeLost'));
    expect(announced).toEqual([
      `Sender ID AcmeLost (requested by <@${ADMIN}>): approved in DE`,
      `Sender ID AcmeLost (requested by <@${ADMIN}>): approved in FR`,
    ]);
  });

  it('is forgotten when Wavix refused it: one made in the portal afterwards is the portal’s', async () => {
    t.emulator.injectFault({ method: 'POST', path: '/v3/messages/sender-ids', status: 400 });
    await submit('V0LOST03');
    await t.fakeSlack.waitFor('views.update', 1);
    const made = await fetch(`${t.emulator.url}/v3/messages/sender-ids`, {
      method: 'POST',
      headers: { authorization: `Bearer ${t.emulator.apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ sender_id: 'AcmeLost', type: 'alphanumeric', countries: ['FR'], usecase: 'transactional' }),
    });
    expect(made.status).toBe(201);

    const status = readable((await runCommand(t, 'senderid status AcmeLost')).body);
    expect(status).toContain('created in the Wavix portal');
    expect(status).not.toContain(`<@${ADMIN}>`);
  });
});
