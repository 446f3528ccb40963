import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { OUR_NUMBER, type RelayLogRig, SENDER, startRelayLogRig } from '../helpers/relayLogRig.js';
import { waitUntil } from '../helpers/waitUntil.js';

/**
 * A PBX that fails for a while and then answers: the log's failure counts add up to /metrics', and its recovery is a
 * line, where the failures held back after the first line were never written and nothing said it answered again.
 */
describe('a PortSIP outage and its end in the log of the real process', () => {
  let rig: RelayLogRig;
  beforeEach(async () => {
    rig = await startRelayLogRig();
  });
  afterEach(async () => {
    await rig.close();
  });

  it('says the PBX answers again, with the failures not said before, so the lines add up to the failed attempts counted', {
    timeout: 60_000,
  }, async () => {
    rig.sink.respondWith(500, 'sorry Quinlan');
    await rig.start({ RELAY_RETRY_BASE_MS: '100' });
    expect(await rig.post('wvx-out-1')).toBe(200);
    await waitUntil(() => rig.sink.received.length >= 4, 20_000, 'four failed attempts');
    rig.sink.respondWith(200);
    await waitUntil(async () => (await rig.metric(/^smsops_relay_delivered_total\{kind="portsip"\}/)) === 1, 20_000, 'delivered');
    const failedCounted = await rig.metric(/^smsops_relay_failed_attempts_total\{kind="portsip"\}/);
    expect(failedCounted).toBeGreaterThanOrEqual(3);
    const recovered = await waitUntil(
      () => rig.lines().find((l) => l.msg === 'relay destination answers again' && l.kind === 'portsip'),
      5_000,
      () => `the recovery line; logs:\n${rig.rawLogs()}`,
    );
    expect(recovered.destination).toContain('/emc/Wavix - US/a558…');
    expect(recovered.failingForSeconds).toEqual(expect.any(Number));
    const said = rig
      .lines()
      .filter((l) => l.kind === 'portsip' && typeof l.failedAttempts === 'number')
      .reduce((sum, l) => sum + Number(l.failedAttempts), 0);
    expect(said).toBe(failedCounted);
    for (const leak of ['Quinlan', 'a558d635', SENDER, OUR_NUMBER]) expect(rig.rawLogs()).not.toContain(leak);
  });
});
