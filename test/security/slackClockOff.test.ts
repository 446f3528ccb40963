import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fakeSlackSignatureHeaders } from '../helpers/hostileClients.js';
import { signSlackRequest } from '../helpers/slackRequests.js';
import { ADMIN, SIGNING_SECRET, type SmsopsUnderTest, startSmsopsUnderTest } from '../helpers/smsopsUnderTest.js';

/**
 * smsops' host clock 10 minutes off (a VM without NTP, a restored snapshot): Slack's own requests, correctly signed,
 * all look stale. A probe (faketime +10m on the real process) found every command, button and thread reply refused 401
 * with no log line at all while /healthz said ok: a thread reply's SMS never went out and nobody could tell why.
 */

let t: SmsopsUnderTest;
beforeEach(async () => {
  t = await startSmsopsUnderTest();
});
afterEach(async () => {
  await t.stop();
});

const FORM = 'application/x-www-form-urlencoded';
const clockLines = () => t.logs.filter((line) => line.includes('off this host’s clock'));

function helpCommand(n: number) {
  return new URLSearchParams({
    token: 'x',
    team_id: 'T1',
    channel_id: 'C0ALERTS01',
    user_id: ADMIN,
    user_name: 'alice',
    command: '/sms',
    text: 'help',
    response_url: `${t.fakeSlack.responseUrl}clock-${n}`,
    trigger_id: `trig-clock-${n}`,
  }).toString();
}

describe('Slack requests signed 10 minutes away from smsops’ clock', () => {
  it('are refused, and the log says the clock is off and by how much (once a minute), for signed ones only', async () => {
    const forged = [];
    for (let i = 0; i < 20; i++) {
      const response = await fetch(`${t.smsops.url}/slack/events`, {
        method: 'POST',
        headers: { 'content-type': FORM, ...fakeSlackSignatureHeaders(Date.now() - 10 * 60_000) },
        body: helpCommand(i),
      });
      forged.push(response.status);
    }
    expect(new Set(forged)).toEqual(new Set([401]));
    // Anyone can send a stale forgery: it must not make smsops blame its clock.
    expect(clockLines()).toEqual([]);

    const behind = Math.floor(Date.now() / 1000) - 600;
    for (let i = 0; i < 5; i++) {
      const body = helpCommand(100 + i);
      const answer = await t.slack.raw(body, { 'content-type': FORM, ...signSlackRequest(SIGNING_SECRET, body, behind) });
      expect(answer.status).toBe(401);
    }
    const ahead = helpCommand(200);
    const aheadAnswer = await t.slack.raw(ahead, {
      'content-type': FORM,
      ...signSlackRequest(SIGNING_SECRET, ahead, Math.floor(Date.now() / 1000) + 600),
    });
    expect(aheadAnswer.status).toBe(401);

    const lines = clockLines();
    expect(lines).toHaveLength(1);
    const offSeconds = (JSON.parse(lines[0] ?? '{}') as { offSeconds?: number }).offSeconds ?? 0;
    expect(offSeconds).toBeGreaterThanOrEqual(599);
    expect(offSeconds).toBeLessThanOrEqual(610);

    // 4 min 59 s old is still in Slack's window: taken.
    const late = helpCommand(300);
    const lateAnswer = await t.slack.raw(late, {
      'content-type': FORM,
      ...signSlackRequest(SIGNING_SECRET, late, Math.floor(Date.now() / 1000) - 299),
    });
    expect(lateAnswer.status).toBe(200);
  });
});
