import { afterEach, describe, expect, it } from 'vitest';
import {
  ADMIN,
  postInbound,
  readable,
  runCommand,
  type SmsopsUnderTest,
  slackTraffic,
  startSmsopsUnderTest,
} from '../helpers/smsopsUnderTest.js';
import { waitUntil } from '../helpers/waitUntil.js';
import { startWebhookSink, type WebhookSink } from '../helpers/webhookSink.js';

let t: SmsopsUnderTest | undefined;
let sink: WebhookSink | undefined;

afterEach(async () => {
  await t?.stop();
  await sink?.close();
  t = undefined;
  sink = undefined;
});

const USER = 'relayuser';
/** `s3cr/pw!` as it is written in the URL's userinfo. */
const PASSWORD_IN_URL = 's3cr%2Fpw!';
const PASSWORD = 's3cr/pw!';
const TOKEN = 'Tq7zK';

describe('a route whose PortSIP quotes the credentials it was sent', () => {
  it('shows admins PortSIP’s answer without the route’s user, password or token, and says the credentials were refused', async () => {
    sink = await startWebhookSink();
    // As a PBX that quotes the Basic credentials and the query it got back in its refusal.
    sink.respondWith(401, `bad credentials ${USER}:${PASSWORD} token=${TOKEN} (Basic ${btoa(`${USER}:${PASSWORD}`)})`);
    const route = `${sink.url.replace('http://', `http://${USER}:${PASSWORD_IN_URL}@`)}/api/sms/Wavix - US/a558d635-66e0-4c64-9d3b-2f5c1e7a8b90?token=${TOKEN}`;
    t = await startSmsopsUnderTest({ PORTSIP_WEBHOOK_URL: route, RELAY_RETRY_BASE_MS: '60000', SLACK_RELAY_PACE_MS: '0' });
    expect((await postInbound(t, { from: '447400000001' })).status).toBe(200);
    await waitUntil(() => (sink?.received.length ?? 0) >= 1, 10_000, 'the attempt to PortSIP');
    expect(sink.received[0]?.headers.authorization).toBe(`Basic ${btoa(`${USER}:${PASSWORD}`)}`);
    const db = t.db;
    await waitUntil(
      () =>
        (
          db.prepare("SELECT last_error FROM deliveries WHERE destination_kind = 'portsip'").get() as
            | { last_error: string | null }
            | undefined
        )?.last_error,
      10_000,
      'the failed attempt recorded',
    );

    const status = readable((await runCommand(t, 'relay status', { userId: ADMIN })).body);
    const inbox = readable((await runCommand(t, 'inbox', { userId: ADMIN })).body);
    const before = t.fakeSlack.responses.length;
    await runCommand(t, 'doctor', { userId: ADMIN });
    const doctor = readable((await t.fakeSlack.waitForResponses(before + 2))[before + 1]?.body);

    // Still PortSIP's words for an admin, with the credentials cut out.
    expect(status).toContain('HTTP 401: bad credentials … token=…');
    expect(inbox).toContain('HTTP 401: bad credentials … token=…');
    expect(doctor).toContain('HTTP 401: bad credentials … token=…');
    expect(status).toContain('it refused the user name and password in the route URL');
    expect(status).not.toContain('credentials smsops does not send');
    const seen = `${slackTraffic(t)}\n${t.logs.join('\n')}`;
    for (const secret of [PASSWORD, PASSWORD_IN_URL, `${USER}:`, `token=${TOKEN}`, btoa(`${USER}:${PASSWORD}`)]) {
      expect(seen).not.toContain(secret);
    }
  });
});
