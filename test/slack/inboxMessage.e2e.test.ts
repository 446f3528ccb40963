import { describe, expect, it } from 'vitest';
import {
  ADMIN,
  ALERT_CHANNEL,
  OUTSIDER,
  readable,
  runCommand,
  type SmsopsUnderTest,
  WEBHOOK_SECRET,
} from '../helpers/smsopsUnderTest.js';
import { useSmsopsWithSink } from '../helpers/smsopsWithSink.js';
import { waitUntil } from '../helpers/waitUntil.js';

const rig = useSmsopsWithSink();
let t: SmsopsUnderTest;

const say = async (text: string, userId = ADMIN) => readable((await runCommand(t, text, { userId })).body);
const portsip = () =>
  t.db.prepare("SELECT status, attempts FROM deliveries WHERE destination_kind = 'portsip'").get() as {
    status: string;
    attempts: number;
  };

describe('/sms inbox <Wavix message id>', () => {
  it("shows that message: both arrival times, each delivery's destination, state, attempts and last error", async () => {
    ({ t } = await rig.start(
      { RELAY_RETRY_BASE_MS: '60000', SLACK_RELAY_PACE_MS: '0' },
      {
        portsipPath: '/emc/Wavix - US/a558d635-66e0-4c64-9d3b-2f5c1e7a8b90',
        beforeSmsops: (pbx) => pbx.respondWith(500, 'busy'),
      },
    ));
    t.fakeSlack.seedUser(OUTSIDER, {});
    const receivedAt = new Date(Date.now() - 3_600_000).toISOString();
    const response = await fetch(`${t.smsops.url}/webhooks/wavix/inbound/${WEBHOOK_SECRET}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        message_id: 'wvx-A-1',
        message_type: 'sms',
        from: '447400123456',
        to: '14155550100',
        message_body: { text: 'Your code is 482913', media: null },
        received_at: receivedAt,
      }),
    });
    expect(response.status).toBe(200);
    await waitUntil(() => portsip().attempts > 0, 5000, 'the failed PortSIP attempt');
    await t.fakeSlack.waitFor('chat.postMessage');
    await waitUntil(
      () => t.db.prepare("SELECT 1 FROM deliveries WHERE destination_kind = 'slack' AND status = 'delivered'").get(),
      5000,
      'the Slack post',
    );

    const shown = await say('inbox wvx-A-1');
    expect(shown).toContain('*Message `wvx-A-1`*: SMS from *+44 7400 123456* → +1 415 555 0100');
    expect(shown).toMatch(/Received by Wavix <!date\^\d+\^[^|]*\|[^>]*> · by smsops <!date/);
    expect(shown).toContain('Your code is 482913');
    expect(shown).toMatch(
      /PortSIP to `http:\/\/127\.0\.0\.1:\d+\/emc\/Wavix - US\/a558…`: waiting to be tried again, 1 attempt failed \(HTTP 500: busy\)/,
    );
    expect(shown).toMatch(/Last error \(<!date[^>]*>\): PortSIP answered HTTP 500: PortSIP failed on its side/);
    expect(shown).toMatch(/Next attempt <!date/);
    expect(shown).toMatch(new RegExp(`Slack in <#${ALERT_CHANNEL}>: delivered <!date[^>]*> \\(1 attempt\\)`));
    expect(shown).not.toContain('a558d635');

    // The id tells nothing about the customer: anyone may ask, and sees the states without the text nor the sender.
    const outsider = await say('inbox wvx-A-1', OUTSIDER);
    expect(outsider).toContain('*Message `wvx-A-1`*');
    expect(outsider).toContain(`text hidden: you are not in <#${ALERT_CHANNEL}>`);
    expect(outsider).not.toMatch(/482913|7400 123456|a558/);
    expect(outsider).toContain('PortSIP: waiting to be tried again, 1 attempt failed (HTTP 500)');

    expect(await say('inbox wvx-nope')).toContain('is not a phone number smsops can use: ' /* its reason, then */);
    expect(await say('inbox wvx-nope')).toContain(
      'Nor is it the Wavix id of a message smsops holds (`/sms inbox` lists their ids; a message older than the retention period, or one `/sms forget` removed, is no longer held).',
    );
    // A number still lists its messages.
    expect(await say('inbox +1 415 555 0100')).toContain('id `wvx-A-1`');
  });

  it('lists the media links an MMS post had no room for, where the post sends the reader, and hides them as the text', async () => {
    ({ t } = await rig.start({ SLACK_RELAY_PACE_MS: '0' }, { portsipPath: '/emc/mms' }));
    t.fakeSlack.seedUser(OUTSIDER, {});
    const url = (i: number) => `https://api.wavix.com/v3/messages/attachments/4f0c2a/file${i}.jpg`;
    const mms = (id: string, media: string[]) =>
      fetch(`${t.smsops.url}/webhooks/wavix/inbound/${WEBHOOK_SECRET}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          message_id: id,
          message_type: 'mms',
          from: '12025550143',
          to: '14155550100',
          message_body: { text: '', media },
          received_at: new Date().toISOString(),
        }),
      });
    // A carrier's long list, and a first URL too long for a Slack link ahead of an ordinary one.
    expect(
      (
        await mms(
          'wvx-many',
          Array.from({ length: 40 }, (_, i) => url(i)),
        )
      ).status,
    ).toBe(200);
    expect((await mms('wvx-long', [`https://x.example/${'a'.repeat(3_000)}`, url(99)])).status).toBe(200);
    const posts = await t.fakeSlack.waitFor('chat.postMessage', 2);
    const post = readable(posts.find((p) => readable(p.args).includes('wvx-many'))?.args);
    expect(post).toContain(`<${url(0)}|media 1>`);
    expect(post).not.toContain(url(30));
    // The post names the command that shows them: the bare `/sms inbox` shows only how many there are.
    expect(post).toMatch(/\d+ more media \(`\/sms inbox wvx-many`\)/);
    const long = readable(posts.find((p) => readable(p.args).includes('wvx-long'))?.args);
    expect(long).toContain(`<${url(99)}|media 2>`);
    expect(long).toContain('1 more media (`/sms inbox wvx-long`)');

    const shown = await say('inbox wvx-many');
    expect(shown).toContain('MMS (40 media)');
    // Whether PortSIP has them is the Deliveries section's to say.
    expect(shown).toContain('*Media* (PortSIP is sent them all as Wavix posted them)');
    expect(shown).toContain(`<${url(30)}|media 31>`);
    expect(shown).toMatch(/• \d+ more not shown here/);
    expect(await say('inbox wvx-long')).toContain('media 1: a URL of 3,018 characters, too long to show in Slack');
    // Media are personal data as the text is: hidden from who may not read the channel.
    const outsider = await say('inbox wvx-many', OUTSIDER);
    expect(outsider).toContain('MMS (40 media)');
    expect(outsider).not.toContain('attachments');
  });
});
