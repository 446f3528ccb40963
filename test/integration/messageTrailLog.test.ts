import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { OUR_NUMBER, type RelayLogRig, SENDER, startRelayLogRig } from '../helpers/relayLogRig.js';
import { waitUntil } from '../helpers/waitUntil.js';

/**
 * At LOG_LEVEL=debug the log follows one SMS through the relay by its Wavix id (stored, each failed attempt, delivered
 * with its attempt and time), where it held only Bolt's chatter; the failure warning names the message that failed.
 */
describe('one SMS followed in the log of the real process', () => {
  let rig: RelayLogRig;
  beforeEach(async () => {
    rig = await startRelayLogRig();
  });
  afterEach(async () => {
    await rig.close();
  });

  it('logs its stored, failed and delivered steps by Wavix id at debug, with no SMS text or number', {
    timeout: 60_000,
  }, async () => {
    rig.sink.respondWith(500, 'sorry Quinlan');
    await rig.start({ LOG_LEVEL: 'debug' });
    expect(await rig.post('wvx-trail-1')).toBe(200);
    await waitUntil(() => rig.sink.received.length >= 2, 15_000, 'two failed attempts');
    rig.sink.respondWith(200);
    await waitUntil(async () => (await rig.metric(/^smsops_relay_delivered_total\{kind="portsip"\}/)) === 1, 15_000, 'delivered');
    const trail = await waitUntil(
      () => {
        const found = rig.lines().filter((l) => l.wavixMessageId === 'wvx-trail-1' && l.kind !== 'slack');
        return found.some((l) => l.msg === 'SMS delivered') && found;
      },
      5_000,
      () => `the delivered line; logs:\n${rig.rawLogs()}`,
    );
    expect(trail[0]).toMatchObject({ level: 'debug', msg: 'SMS stored' });
    const failed = trail.filter((l) => l.msg === 'SMS delivery attempt failed (retried)');
    expect(failed.length).toBeGreaterThanOrEqual(2);
    expect(failed[0]).toMatchObject({ level: 'debug', kind: 'portsip', attempt: 1, error: 'HTTP 500', ms: expect.any(Number) });
    const delivered = trail.find((l) => l.msg === 'SMS delivered');
    expect(delivered).toMatchObject({ level: 'debug', kind: 'portsip', attempt: failed.length + 1, ms: expect.any(Number) });
    expect(delivered?.destination).toContain('/emc/Wavix - US/a558…');
    // The failure warning (at every level) names the message that failed and its attempt.
    expect(rig.lines().find((l) => String(l.msg).startsWith('relay attempts fail') && l.kind === 'portsip')).toMatchObject({
      lastWavixMessageId: 'wvx-trail-1',
      lastAttempt: 1,
    });
    const ours = JSON.stringify(trail);
    for (const leak of ['Quinlan', 'a558d635', SENDER, OUR_NUMBER]) expect(ours).not.toContain(leak);
    expect(rig.rawLogs()).not.toContain('Quinlan');
  });
});
