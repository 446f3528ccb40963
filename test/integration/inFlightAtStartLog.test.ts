import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { OUR_NUMBER, type RelayLogRig, SENDER, startRelayLogRig } from '../helpers/relayLogRig.js';
import { sleep, waitUntil } from '../helpers/waitUntil.js';

/**
 * At-least-once: an SMS whose PortSIP answer was lost to a kill -9 is sent again after the restart. "It arrived twice"
 * is answered by grepping its Wavix id, where the start's line gave only a count.
 */
describe('deliveries sent again after a crash, in the log of the real process', () => {
  let rig: RelayLogRig;
  beforeEach(async () => {
    rig = await startRelayLogRig();
  });
  afterEach(async () => {
    await rig.close();
  });

  it('names the Wavix id and route of each delivery in flight at a kill -9', { timeout: 60_000 }, async () => {
    rig.sink.delay(8_000); // a slow PBX: the attempt is out when smsops is killed
    const first = await rig.start();
    expect(await rig.post('wvx-twice-1')).toBe(200);
    await waitUntil(() => rig.sink.received.length >= 1, 10_000, 'the attempt at PortSIP');
    first.kill();
    await Promise.race([first.exited, sleep(5_000)]);
    rig.sink.delay(0);
    await rig.start();
    await waitUntil(() => rig.sink.received.length >= 2, 15_000, 'the SMS sent again');
    const line = rig.lines().find((l) => String(l.msg).startsWith('deliveries in flight at the last stop are queued again'));
    expect(line).toBeDefined();
    expect(line?.deliveries).toContainEqual({
      wavixMessageId: 'wvx-twice-1',
      kind: 'portsip',
      destination: expect.stringContaining('/emc/Wavix - US/a558…'),
    });
    for (const leak of ['Quinlan', 'a558d635', SENDER, OUR_NUMBER]) expect(rig.rawLogs()).not.toContain(leak);
  });
});
