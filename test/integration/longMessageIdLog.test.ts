import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { OUR_NUMBER, type RelayLogRig, startRelayLogRig } from '../helpers/relayLogRig.js';
import { sleep, waitUntil } from '../helpers/waitUntil.js';

/**
 * A message_id has no length limit on the way in (stored and relayed as Wavix sent it), but a log line carries its
 * first 100 characters: a 200,000-character id made each failure warning 200 KB and the in-flight line at start 10 MB.
 */
describe('a very long Wavix message_id in the log of the real process', () => {
  let rig: RelayLogRig;
  beforeEach(async () => {
    rig = await startRelayLogRig();
  });
  afterEach(async () => {
    await rig.close();
  });

  it('is cut in the failure warning, the debug trail and the in-flight line at start, and relayed whole', {
    timeout: 90_000,
  }, async () => {
    const id = `L${'W'.repeat(199_999)}`;
    const cut = `${id.slice(0, 100)}…`;
    const body = JSON.stringify({
      message_id: id,
      message_type: 'sms',
      from: '447400987654',
      to: OUR_NUMBER,
      message_body: { text: 'x', media: null },
      received_at: '2026-11-25T10:00:00Z',
    });
    rig.sink.respondWith(503);
    const first = await rig.start({ LOG_LEVEL: 'debug' });
    expect(await rig.post(id, body)).toBe(200);
    await waitUntil(() => rig.sink.received.length >= 2, 15_000, 'two failed attempts');
    // A slow PBX: the next attempt is out when smsops is killed, so the start names it as sent again.
    rig.sink.delay(8_000);
    const sent = rig.sink.received.length;
    await waitUntil(() => rig.sink.received.length > sent, 15_000, 'an attempt out');
    first.kill();
    await Promise.race([first.exited, sleep(5_000)]);
    rig.sink.delay(0);
    rig.sink.respondWith(200);
    await rig.start({ LOG_LEVEL: 'debug' });
    await waitUntil(
      () => rig.lines().some((l) => l.msg === 'SMS delivered'),
      15_000,
      () => `delivered; logs:\n${rig.rawLogs().slice(0, 5_000)}`,
    );
    const lines = rig.lines();
    expect(lines.find((l) => String(l.msg).startsWith('relay attempts fail'))).toMatchObject({ lastWavixMessageId: cut });
    expect(lines.find((l) => l.msg === 'SMS stored')).toMatchObject({ wavixMessageId: cut });
    expect(lines.find((l) => l.msg === 'SMS delivery attempt failed (retried)')).toMatchObject({ wavixMessageId: cut });
    expect(lines.find((l) => l.msg === 'SMS delivered')).toMatchObject({ wavixMessageId: cut });
    const atStart = lines.find((l) => String(l.msg).startsWith('deliveries in flight at the last stop are queued again'));
    expect(atStart?.deliveries).toContainEqual(expect.objectContaining({ wavixMessageId: cut }));
    expect(
      rig
        .smsops()
        .logs.concat(first.logs)
        .filter((l) => l.length > 2_000),
    ).toEqual([]);
    // What PortSIP gets is Wavix's body as it came.
    expect(rig.sink.received.at(-1)?.body.toString()).toContain(id);
  });
});
