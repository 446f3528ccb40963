import { connect } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fakeSlackSignatureHeaders } from '../helpers/hostileClients.js';
import { signSlackRequest } from '../helpers/slackRequests.js';
import { SIGNING_SECRET, type SmsopsUnderTest, startSmsopsUnderTest } from '../helpers/smsopsUnderTest.js';
import { waitUntil } from '../helpers/waitUntil.js';

/**
 * What anyone can make smsops log through /slack/events without the signing secret: a probe wrote one warning per
 * forged request (3,000 lines in a second from one client, ~50 GB a day), per body cut short and per chunked body over
 * the limit. Each kind is said at most once a minute, and counted.
 */

let t: SmsopsUnderTest;
beforeEach(async () => {
  t = await startSmsopsUnderTest();
});
afterEach(async () => {
  await t.stop();
});

const FORM = 'application/x-www-form-urlencoded';
const refusedCount = async (reason: string) => {
  const text = await (await fetch(`${t.smsops.url}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`smsops_slack_requests_refused_total{reason="${reason}"}`));
  return Number(line?.split(' ').pop() ?? Number.NaN);
};
const warnings = () => t.logs.filter((line) => line.includes('"level":"warn"'));

/** Sends raw bytes on a fresh connection and, unless `cut`, reads until the server closes it. */
function rawOnce(bytes: string | Buffer, cut = false): Promise<string> {
  const { port } = new URL(t.smsops.url);
  return new Promise((resolve) => {
    let answer = '';
    const socket = connect(Number(port), '127.0.0.1', () => {
      socket.write(bytes);
      if (cut) socket.destroy();
    });
    socket.on('data', (chunk: Buffer) => {
      answer += chunk.toString('latin1');
    });
    socket.on('error', () => {});
    socket.on('close', () => resolve(answer));
  });
}

const head = (extra: string) =>
  `POST /slack/events HTTP/1.1\r\nhost: x\r\ncontent-type: ${FORM}\r\n${Object.entries(fakeSlackSignatureHeaders())
    .map(([k, v]) => `${k}: ${v}`)
    .join('\r\n')}\r\n${extra}\r\n`;

describe('Slack requests anyone can send, refused before Bolt', () => {
  it('300 forged signatures: each answered 401 with its reason, counted, and one warning for them all', async () => {
    const before = warnings().length;
    const answers = [];
    for (let i = 0; i < 300; i++) {
      const response = await fetch(`${t.smsops.url}/slack/events`, {
        method: 'POST',
        headers: { 'content-type': FORM, ...fakeSlackSignatureHeaders() },
        body: `command=%2Fsms&text=${i}`,
      });
      answers.push([response.status, await response.text()]);
    }
    expect(new Set(answers.map((a) => JSON.stringify(a)))).toEqual(
      new Set([JSON.stringify([401, '{"error":"the Slack signature does not match"}'])]),
    );
    expect(await refusedCount('bad_signature')).toBe(300);
    const added = warnings().slice(before);
    const mismatch = (line: string) => line.includes('signature does not match');
    expect(added.filter(mismatch)).toHaveLength(1);
    // And, none of Slack's own having passed, one line saying what that may mean (at most one per 5 minutes).
    expect(added.filter((line) => line.includes('none passed: check SLACK_SIGNING_SECRET'))).toHaveLength(1);
    expect(added.join('\n')).not.toContain('Failed to');
    expect(JSON.parse(added.find(mismatch) ?? '{}')).toMatchObject({ refusedSinceLastWarning: 1 });
  }, 60_000);

  it('bodies cut short and chunked bodies over 1 MiB: counted, one warning per kind', async () => {
    const before = warnings().length;
    await Promise.all(Array.from({ length: 50 }, () => rawOnce(`${head('content-length: 100\r\n')}abc`, true)));
    await waitUntil(async () => (await refusedCount('body_cut')) === 50, 10_000, '50 cut bodies counted');
    const chunk = `10000\r\n${'a'.repeat(0x10000)}\r\n`;
    const overLimit = `${head('transfer-encoding: chunked\r\n')}${chunk.repeat(17)}0\r\n\r\n`;
    const answers = [];
    for (let i = 0; i < 10; i++) answers.push(await rawOnce(overLimit));
    for (const answer of answers) {
      expect(answer).toMatch(/^HTTP\/1\.1 413 /);
      expect(answer).toContain('{"error":"request body over 1048576 bytes"}');
    }
    expect(await refusedCount('too_large')).toBe(10);
    const added = warnings().slice(before);
    expect(added.filter((line) => line.includes('could not be read'))).toHaveLength(1);
    expect(added.filter((line) => line.includes('over the limit'))).toHaveLength(1);
  }, 60_000);

  it('one captured request replayed 200 times, with a long unsigned retry header: one line per kind, the header never written', async () => {
    const before = t.logs.length;
    const form = 'command=%2Fsms&text=help&user_id=U0ADMIN01';
    const event = JSON.stringify({ type: 'event_callback', event_id: 'Ev0REPLAY01', event: { type: 'app_mention' } });
    const longRetry = '7'.repeat(15_000);
    const formHeaders = { 'content-type': FORM, ...signSlackRequest(SIGNING_SECRET, form) };
    const eventHeaders = { 'content-type': 'application/json', ...signSlackRequest(SIGNING_SECRET, event) };
    await fetch(`${t.smsops.url}/slack/events`, { method: 'POST', headers: formHeaders, body: form });
    await fetch(`${t.smsops.url}/slack/events`, { method: 'POST', headers: eventHeaders, body: event });
    for (let i = 0; i < 100; i++) {
      const retry = { 'x-slack-retry-num': longRetry };
      await fetch(`${t.smsops.url}/slack/events`, { method: 'POST', headers: { ...formHeaders, ...retry }, body: form });
      await fetch(`${t.smsops.url}/slack/events`, { method: 'POST', headers: { ...eventHeaders, ...retry }, body: event });
    }
    const added = t.logs.slice(before);
    expect(added.filter((line) => line.includes('same signature seen before'))).toHaveLength(1);
    expect(added.filter((line) => line.includes('already taken'))).toHaveLength(1);
    expect(added.join('\n')).not.toContain('7777777777');
  }, 60_000);
});
