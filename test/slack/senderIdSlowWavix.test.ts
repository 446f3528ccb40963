import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { REQUEST_UNLISTED_FOR_MS } from '../../src/core/senderIdRequests.js';
import { alphanumericSenderIdSubmission } from '../helpers/senderIdSubmission.js';
import {
  ADMIN,
  ALERT_CHANNEL,
  readable,
  runCommand,
  type SmsopsUnderTest,
  startSmsopsUnderTest,
} from '../helpers/smsopsUnderTest.js';
import { waitUntil } from '../helpers/waitUntil.js';
import { wavixProxy } from '../helpers/wavixProxy.js';

// Wavix slow but acting (a proxy holds the create): it lands after smsops' 15 s wait gave up. The modal said "try again shortly"; the
// resubmit read Wavix's list (no record yet), forgot the kept request and sent the countries again: two records at
// Wavix, FR under review twice, the second stored as made in the Wavix portal.

const CREATE = { method: 'POST', path: '/v3/messages/sender-ids' };

let t: SmsopsUnderTest;
let slowWavix: Awaited<ReturnType<typeof wavixProxy>> | undefined;
beforeEach(() => {
  slowWavix = undefined;
});
afterEach(async () => {
  await t.stop();
  slowWavix?.release();
  await slowWavix?.close();
});

/** smsops whose first Sender ID create Wavix makes only when the test releases it, past smsops' 15 s wait. */
async function startWithSlowWavix(): Promise<void> {
  let held = false;
  slowWavix = await wavixProxy({
    holdFor: (method, url) => {
      if (held || method !== CREATE.method || url.pathname !== CREATE.path) return 0;
      held = true;
      return 120_000;
    },
  });
  t = await startSmsopsUnderTest({ WAVIX_API_URL: slowWavix.url });
  slowWavix.passTo(t.emulator.url);
}

const submit = (viewId: string) =>
  t.slack.viewSubmission(
    alphanumericSenderIdSubmission({
      viewId,
      value: 'AcmeSlow',
      countries: ['DE', 'FR'],
      channelId: ALERT_CHANNEL,
      userId: ADMIN,
    }),
  );
const onWavix = () => t.emulator.state().senderIds.filter((s) => s.sender_id === 'AcmeSlow');

/** The modal `viewId` as smsops last set it, once it answered past "Sending…". */
async function lastView(viewId: string, timeoutMs = 10_000): Promise<unknown> {
  const modal = () => t.fakeSlack.callsTo('views.update').filter((c) => c.args.view_id === viewId);
  await waitUntil(() => modal().length > 0, timeoutMs, `the modal ${viewId} answered`);
  return modal().at(-1)?.args.view;
}
const answered = async (viewId: string, timeoutMs?: number) => readable(await lastView(viewId, timeoutMs));

describe('a Sender ID request whose create ended without an answer', () => {
  it('is not sent again while Wavix may still be making it, and is the requester’s once Wavix lists it', {
    timeout: 60_000,
  }, async () => {
    await startWithSlowWavix();
    expect((await submit('V0SLOW01')).json.response_action).toBe('update');
    const firstView = await lastView('V0SLOW01', 30_000);
    expect(firstView).not.toHaveProperty('submit'); // no form left to submit again
    const first = readable(firstView);
    expect(first).toContain('Wavix did not answer in time, so smsops does not know whether Wavix made AcmeSlow (DE, FR)');
    expect(first).toContain('Do not submit it again');
    expect(first).not.toContain('try again shortly');

    // As the old words asked: at once, before Wavix lists it.
    expect((await submit('V0SLOW02')).json.response_action).toBe('update');
    const again = await answered('V0SLOW02');
    expect(again).toContain('An earlier request for AcmeSlow (DE, FR, sent at');
    expect(again).toContain('may still be making it, so it is not sent again');
    expect(again).toContain('recorded as requested by you');

    slowWavix?.release();
    await waitUntil(() => slowWavix?.holding() === 0, 20_000, 'the held create made at Wavix');
    expect(onWavix()).toHaveLength(1);
    const status = readable((await runCommand(t, 'senderid status AcmeSlow')).body);
    expect(status).toContain(`requested by <@${ADMIN}>`);
    expect(status).toMatch(/France \(FR\): pending/);
    expect(t.db.prepare('SELECT origin, requested_by FROM sender_ids WHERE value = ?').all('AcmeSlow')).toEqual([
      { origin: 'smsops', requested_by: ADMIN },
    ]);
  });

  it('is sent again once Wavix has not listed it for the whole wait: it was not made', { timeout: 30_000 }, async () => {
    t = await startSmsopsUnderTest();
    // A 503 before acting: as unknown to smsops as a timeout.
    t.emulator.injectFault({ ...CREATE, status: 503 });
    await submit('V0SLOW03');
    expect(await answered('V0SLOW03')).toContain('Wavix answered with an error (HTTP 503), so smsops does not know');

    await submit('V0SLOW04');
    expect(await answered('V0SLOW04')).toContain('may still be making it, so it is not sent again');
    expect(onWavix()).toHaveLength(0);

    await t.emulator.clock.advance(REQUEST_UNLISTED_FOR_MS + 1_000);
    await submit('V0SLOW05');
    expect(await answered('V0SLOW05')).toContain('AcmeSlow');
    expect(onWavix()).toHaveLength(1);
    expect(t.db.prepare('SELECT origin, requested_by FROM sender_ids WHERE value = ?').all('AcmeSlow')).toEqual([
      { origin: 'smsops', requested_by: ADMIN },
    ]);
  });

  it('that Wavix refused may be submitted again at once', { timeout: 30_000 }, async () => {
    t = await startSmsopsUnderTest();
    t.emulator.injectFault({ ...CREATE, status: 400 });
    await submit('V0SLOW06');
    expect(await answered('V0SLOW06')).toContain('Wavix refused to');

    await submit('V0SLOW07');
    await waitUntil(() => onWavix().length > 0, 10_000, 'the resubmit made at Wavix');
    expect(onWavix()).toHaveLength(1);
    expect(await answered('V0SLOW07')).not.toContain('may still be making it');
  });
});
