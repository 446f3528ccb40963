import { afterEach, describe, expect, it } from 'vitest';
import { createSlackTestClient, signSlackRequest } from '../helpers/slackRequests.js';
import { readable, runCommand, SIGNING_SECRET, type SmsopsUnderTest, startSmsopsUnderTest } from '../helpers/smsopsUnderTest.js';

// README step 1 makes the manifest's URLs from PUBLIC_BASE_URL: one ending in a slash gave `https://host//slack/events`,
// and a Request URL typed with a slash at its end `…/slack/events/`. smsops answered both 404: Slack's URL check failed
// and every /sms command ended in Slack's "dispatch_failed".
describe('Slack posting to /slack/events written with an extra slash', () => {
  let t: SmsopsUnderTest | undefined;
  afterEach(async () => {
    await t?.stop();
    t = undefined;
  });

  it.each(['//slack/events', '/slack/events/'])('answers a command and the URL check at %s', async (path) => {
    t = await startSmsopsUnderTest();
    const slack = createSlackTestClient({
      eventsUrl: `${t.smsops.url}${path}`,
      signingSecret: SIGNING_SECRET,
      responseUrl: t.fakeSlack.responseUrl,
    });
    const challenge = JSON.stringify({ type: 'url_verification', challenge: 'c-1' });
    const verified = await slack.raw(challenge, {
      'content-type': 'application/json',
      ...signSlackRequest(SIGNING_SECRET, challenge),
    });
    expect(verified.status).toBe(200);
    expect(verified.json).toEqual({ challenge: 'c-1' });

    const answer = await runCommand({ slack, fakeSlack: t.fakeSlack }, 'help');
    expect(answer.status).toBe(200);
    expect(readable(answer.body)).toContain('/sms');
    // Still signed: a request with a wrong signature is refused there as at /slack/events.
    expect((await slack.command('help', { signature: 'v0=00' })).status).toBe(401);
  });

  it('still answers 404 elsewhere', async () => {
    t = await startSmsopsUnderTest();
    for (const path of ['/slack/events/x', '/slack/eventsx', '///slack/events'])
      expect((await fetch(`${t.smsops.url}${path}`, { method: 'POST', body: '{}' })).status, path).toBe(404);
  });
});
