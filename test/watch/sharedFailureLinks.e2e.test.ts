import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ALERT_CHANNEL, readable, runCommand, type SmsopsUnderTest, startSmsopsUnderTest } from '../helpers/smsopsUnderTest.js';

let t: SmsopsUnderTest;
beforeEach(async () => {
  t = await startSmsopsUnderTest();
});
afterEach(async () => {
  await t.stop();
});

async function wavix(method: string, path: string, body?: unknown): Promise<void> {
  const response = await fetch(`${t.emulator.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${t.emulator.apiKey}`, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`);
}

// A carrier refusing an SMS for its link may name the link, unquoted: a password-reset link with its token, sent to one
// customer, reached every member through /sms traffic, the failure-rate alert and the digest, whose post let Slack
// unfurl media links by default (Slack fetching the link tells its owner) (a probe).
/**
 * 25 SMS to a destination failing with `reason` (as Wavix reports it), then the traffic watch and the digest run:
 * the failure-rate alert and the digest as posted, and `/sms traffic` as answered.
 */
async function failingWith(reason: string, text: (i: number) => string) {
  await wavix('POST', '/_emulator/failing-destinations', { number: '+12125550107', error: reason });
  for (let i = 0; i < 25; i++)
    await wavix('POST', '/v3/messages', { from: '14155550100', to: '12125550107', message_body: { text: text(i), media: null } });
  await t.emulator.clock.advance(10_000);
  await runCommand(t, 'jobs run traffic-watch');
  await runCommand(t, 'jobs run daily-digest');
  const alertChannelPosts = t.fakeSlack.callsTo('chat.postMessage').filter((c) => c.args.channel === ALERT_CHANNEL);
  return {
    alert: alertChannelPosts.find((c) => readable(c.args).includes('failed in the last hour')),
    digest: alertChannelPosts.find((c) => String(c.args.text).startsWith('Daily SMS digest')),
    traffic: readable((await runCommand(t, 'traffic 24h')).body),
  };
}

describe('a link in a carrier reason, on the shared surfaces', () => {
  it('is shown as "a link" in the alert, /sms traffic and the digest, and the digest never unfurls', async () => {
    const { alert, digest, traffic } = await failingWith(
      'Blocked: URL https://reset.example.com/t/8f3a9c2b1d7e and bit.ly/3xYzAb not allowed',
      (i) => `reset: https://reset.example.com/t/8f3a9c2b1d7e ${i}`,
    );
    expect(readable(alert?.args)).toContain('mostly "Blocked: URL a link and a link not allowed"');
    expect(traffic).toContain('Blocked: URL a link and a link not allowed: 25');
    for (const shown of [readable(alert?.args), readable(digest?.args), traffic]) {
      expect(shown).not.toContain('reset.example.com');
      expect(shown).not.toContain('3xYzAb');
    }
    // Form-encoded, as the Web API client sends them.
    expect(digest?.args).toMatchObject({ unfurl_links: 'false', unfurl_media: 'false' });
  });

  // The link may come in any form Slack or a reader still follows: a port, a query or fragment with no path, an IDN
  // or punycode host, a defanged or backslashed scheme, an IP with a path, a data: or mailto: URL, an email address;
  // each left the reset token or the customer's address on the shared surfaces (a probe).
  it('shows a link in other forms as "a link" too, and an email address as "an address"', async () => {
    const { alert, digest, traffic } = await failingWith(
      'Blocked evil.com:8443/r?t=TOKEN1 evil.com?t=TOKEN2 xn--80ak6aa92e.xn--p1ai/r?t=TOKEN3 hxxps[:]//evil[.]com/TOKEN4 10.1.2.3/r?t=TOKEN5 jane.TOKEN6@example.com',
      (i) => `reset ${i}`,
    );
    expect(traffic).toContain('Blocked a link a link a link a link a link an address: 25');
    for (const shown of [readable(alert?.args), readable(digest?.args), traffic]) expect(shown).not.toMatch(/TOKEN|jane/);
  });

  // Slack unfurls media links in an app's chat.postMessage unless told not to (its unfurling guide); the resolved
  // and worsened replies in an alert's thread, broadcast to the channel, said nothing (a probe).
  it('posts nothing Slack may unfurl: every chat.postMessage of an alert episode and the digest says so', async () => {
    await wavix('POST', '/_emulator/failing-destinations', { number: '+12125550107', error: 'Blocked by carrier' });
    for (let i = 0; i < 25; i++)
      await wavix('POST', '/v3/messages', {
        from: '14155550100',
        to: '12125550107',
        message_body: { text: `hello ${i}`, media: null },
      });
    await t.emulator.clock.advance(10_000);
    await runCommand(t, 'jobs run traffic-watch');
    await t.emulator.clock.advance(2 * 3_600_000);
    await runCommand(t, 'jobs run traffic-watch');
    // A failure rate ends once clear at two runs 15 minutes apart.
    await t.emulator.clock.advance(15 * 60_000);
    await runCommand(t, 'jobs run traffic-watch');
    await runCommand(t, 'jobs run daily-digest');
    const posts = t.fakeSlack.callsTo('chat.postMessage');
    expect(posts.some((c) => c.args.thread_ts && String(c.args.text).includes('Resolved after'))).toBe(true);
    for (const post of posts)
      expect({ text: post.args.text, unfurl_links: post.args.unfurl_links, unfurl_media: post.args.unfurl_media }).toEqual({
        text: post.args.text,
        unfurl_links: 'false',
        unfurl_media: 'false',
      });
  });
});
