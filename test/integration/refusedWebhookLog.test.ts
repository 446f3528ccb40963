import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { OUR_NUMBER, type RelayLogRig, SENDER, SMS_TEXT, startRelayLogRig } from '../helpers/relayLogRig.js';
import { waitUntil } from '../helpers/waitUntil.js';

/**
 * A webhook smsops refuses (400) is an SMS it will never relay: the log says so with the message_id and why, at most
 * once a minute per kind of refusal (anyone can send them), where it said nothing.
 */
describe('refused webhooks in the log of the real process', () => {
  let rig: RelayLogRig;
  beforeEach(async () => {
    rig = await startRelayLogRig();
  });
  afterEach(async () => {
    await rig.close();
  });

  const body = (messageId: string, to?: string) =>
    JSON.stringify({
      message_id: messageId,
      message_type: 'sms',
      from: SENDER,
      ...(to === undefined ? {} : { to }),
      message_body: { text: SMS_TEXT, media: null },
      received_at: '2026-11-25T10:00:00Z',
    });

  it('warns of a refusal with its message_id and reason once a minute, each one at debug, never the body', {
    timeout: 60_000,
  }, async () => {
    await rig.start({ LOG_LEVEL: 'debug' });
    expect(await rig.post('wvx-R-1', body('wvx-R-1', 'not-a-number'))).toBe(400);
    expect(await rig.post('wvx-R-2', body('wvx-R-2'))).toBe(400);
    const warned = await waitUntil(
      () => rig.lines().filter((l) => String(l.msg).startsWith('webhook refused, not stored')),
      5_000,
      () => `the refusal warning; logs:\n${rig.rawLogs()}`,
    );
    expect(warned).toHaveLength(1);
    expect(warned[0]).toMatchObject({
      level: 'warn',
      route: 'inbound',
      code: 'unusable_fields',
      wavixMessageId: 'wvx-R-1',
      refusedSinceLastWarning: 1,
    });
    expect(warned[0]?.reason).toContain('to: a string that is not such a number');
    const each = await waitUntil(
      () => {
        const found = rig.lines().filter((l) => l.msg === 'webhook refused');
        return found.length >= 2 && found;
      },
      5_000,
      'a debug line for each',
    );
    expect(each.map((l) => l.wavixMessageId)).toEqual(['wvx-R-1', 'wvx-R-2']);
    const ours = JSON.stringify([...warned, ...each]);
    for (const leak of ['Quinlan', '7f3a9c', SENDER, OUR_NUMBER, 'not-a-number']) expect(ours).not.toContain(leak);
    expect(rig.rawLogs()).not.toContain('Quinlan');
  });
});
