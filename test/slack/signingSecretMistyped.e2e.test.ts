import { afterEach, describe, expect, it } from 'vitest';
import { signSlackRequest } from '../helpers/slackRequests.js';
import { SIGNING_SECRET, type SmsopsUnderTest, startSmsopsUnderTest, stopCheckingSecrets } from '../helpers/smsopsUnderTest.js';

/**
 * A mistyped SLACK_SIGNING_SECRET: every command Slack sends is refused with 401 (the team reads "dispatch_failed"),
 * while /healthz said ok. Real app, real HTTP, requests signed with the secret Slack really holds.
 */

let t: SmsopsUnderTest | undefined;
afterEach(async () => {
  if (t) await stopCheckingSecrets(t);
  t = undefined;
});

async function health(s: SmsopsUnderTest): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`${s.smsops.url}/healthz`);
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

const signatureLines = (s: SmsopsUnderTest) => s.logs.filter((line) => line.includes('none passed: check SLACK_SIGNING_SECRET'));

describe('a mistyped SLACK_SIGNING_SECRET', () => {
  it('is said in /healthz (still 200) and once in the log while every signed request fails its check', async () => {
    // smsops holds the client secret where the signing secret belongs; Slack signs with the real one.
    t = await startSmsopsUnderTest({ SLACK_SIGNING_SECRET: 'a0b1c2d3e4f5client-secret-not-signing' });
    t.secrets.push('a0b1c2d3e4f5client-secret-not-signing');
    expect((await health(t)).body.slackSignatures).toBeUndefined();

    for (let i = 0; i < 3; i++) expect((await t.slack.command('help')).status).toBe(401);
    const { status, body } = await health(t);
    expect(status).toBe(200);
    expect(body.status).toBe('ok');
    expect(body.slackSignatures).toContain('every signed request in the last 10 minutes failed its signature check (3)');
    expect(body.slackSignatures).toContain('check SLACK_SIGNING_SECRET');
    expect(signatureLines(t)).toHaveLength(1);

    // Ten minutes without any: nothing to say any more.
    await t.emulator.clock.advance(11 * 60_000);
    expect((await health(t)).body.slackSignatures).toBeUndefined();
  });

  it('says nothing of forged requests while Slack’s own pass', async () => {
    t = await startSmsopsUnderTest();
    expect((await t.slack.command('help')).status).toBe(200);
    const body = 'command=%2Fsms&text=help';
    const forged = await t.slack.raw(body, {
      'content-type': 'application/x-www-form-urlencoded',
      ...signSlackRequest(`${SIGNING_SECRET}-guessed`, body),
    });
    expect(forged.status).toBe(401);
    expect((await health(t)).body.slackSignatures).toBeUndefined();
    expect(signatureLines(t)).toEqual([]);
  });
});
