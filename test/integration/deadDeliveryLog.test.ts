import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { OUR_NUMBER, type RelayLogRig, SENDER, startRelayLogRig } from '../helpers/relayLogRig.js';
import { waitUntil } from '../helpers/waitUntil.js';

/**
 * A delivery smsops gives up on is an SMS PortSIP never got: the operator must find it in the log by its Wavix id,
 * where only /metrics, Slack and `/sms relay status` said so and the log's one line said "retried with backoff".
 */
describe('dead deliveries in the log of the real process', () => {
  let rig: RelayLogRig;
  beforeEach(async () => {
    rig = await startRelayLogRig();
  });
  afterEach(async () => {
    await rig.close();
  });

  it('logs each dead delivery with its Wavix id, route, attempts and reason, and no SMS text or number', {
    timeout: 60_000,
  }, async () => {
    rig.sink.respondWith(500, 'sorry Quinlan');
    // A retry window of 1.8 s: the deliveries die after a few attempts.
    await rig.start({ RELAY_DEAD_AFTER_HOURS: '0.0005' });
    expect(await rig.post('wvx-dead-1')).toBe(200);
    expect(await rig.post('wvx-dead-2')).toBe(200);
    await waitUntil(async () => (await rig.metric(/^smsops_relay_dead_total\{kind="portsip"\}/)) === 2, 30_000, 'two dead');
    const dead = await waitUntil(
      () => {
        const found = rig.lines().filter((l) => String(l.msg).startsWith('delivery given up (dead)') && l.kind === 'portsip');
        return found.length >= 2 && found;
      },
      5_000,
      () => `two dead lines; logs:\n${rig.rawLogs()}`,
    );
    expect(dead.map((l) => l.wavixMessageId).sort()).toEqual(['wvx-dead-1', 'wvx-dead-2']);
    for (const line of dead) {
      expect(line).toMatchObject({
        level: 'warn',
        kind: 'portsip',
        error: 'HTTP 500',
        why: 'still failing after RELAY_DEAD_AFTER_HOURS',
      });
      expect(line.destination).toContain('/emc/Wavix - US/a558…');
      expect(line.attempts).toBeGreaterThanOrEqual(2);
    }
    const logs = rig.rawLogs();
    for (const leak of ['Quinlan', 'a558d635', SENDER, OUR_NUMBER]) expect(logs).not.toContain(leak);
  });
});
