import { afterEach, describe, expect, it } from 'vitest';
import { createWavixKeyRefusal } from '../../src/wavix/keyRefusal.js';
import { type SmsopsUnderTest, startSmsopsUnderTest } from '../helpers/smsopsUnderTest.js';
import { waitUntil } from '../helpers/waitUntil.js';

/**
 * Rotating the Wavix key: a new key made in Wavix's portal and the old one revoked before smsops restarted with the
 * new one (or the new one mistyped at the restart). Every reply from Slack is then "Not sent" and the watch cannot
 * read Wavix, while /healthz said ok with no word of Wavix until the watch's third failed run raised its alert.
 */
const REVOKED = 'wavix-key-revoked-in-the-portal-0123';

let t: SmsopsUnderTest | undefined;
afterEach(async () => {
  await t?.stop();
  t = undefined;
});

const health = async (s: SmsopsUnderTest) => {
  const answer = await fetch(`${s.smsops.url}/healthz`);
  return { status: answer.status, body: (await answer.json()) as { status: string; wavix?: string } };
};
const gauge = async (s: SmsopsUnderTest) =>
  (await (await fetch(`${s.smsops.url}/metrics`)).text()).match(/^smsops_wavix_key_refused (\d)$/m)?.[1];

describe('/healthz while Wavix refuses WAVIX_API_KEY', () => {
  it('says so in `wavix` and smsops_wavix_key_refused, staying 200 (inbound SMS still flow), the key never shown', async () => {
    t = await startSmsopsUnderTest({ WAVIX_API_KEY: REVOKED });
    const s = t;
    // The start-up check (the balance) is Wavix's first answer: a 401.
    await waitUntil(() => s.logs.some((line) => line.includes('Wavix check failed')), 10_000, 'the start-up Wavix check');
    const { status, body } = await health(s);
    expect(status).toBe(200);
    expect(body.status).toBe('ok');
    expect(body.wavix).toContain('Wavix refuses WAVIX_API_KEY (401) since');
    expect(body.wavix).toContain('replies from Slack are not sent');
    expect(body.wavix).toContain('restart smsops');
    // Wavix answers 401 too when called from an address outside the key's permitted IPs (a new host, a changed egress
    // address): a new key alone does not help there, and no restart is needed once the address is permitted.
    expect(body.wavix).toContain("this host's address is not among the key's permitted IPs");
    expect(await gauge(s)).toBe('1');
    expect(JSON.stringify(body)).not.toContain(REVOKED);
  });

  it('says nothing of Wavix while it takes the key', async () => {
    t = await startSmsopsUnderTest();
    const s = t;
    await waitUntil(() => s.logs.some((line) => line.includes('Wavix reachable')), 10_000, 'the start-up Wavix check');
    const { body } = await health(s);
    expect(body.wavix).toBeUndefined();
    expect(await gauge(s)).toBe('0');
  });
});

describe('createWavixKeyRefusal', () => {
  it('is refused from the first 401, keeps that time, and ends at the first answer Wavix took; 403/5xx change nothing', () => {
    const key = createWavixKeyRefusal();
    key.note(200, 1);
    expect(key.refusedSince()).toBeUndefined();
    key.note(401, 10);
    key.note(401, 20);
    key.note(403, 25);
    key.note(503, 30);
    expect(key.refusedSince()).toBe(10);
    key.note(201, 40);
    expect(key.refusedSince()).toBeUndefined();
  });
});
