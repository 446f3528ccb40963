import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  ADMIN,
  OUTSIDER,
  readable,
  runCommand,
  type SmsopsUnderTest,
  startSmsopsUnderTest,
  stopCheckingSecrets,
  WEBHOOK_SECRET,
} from '../helpers/smsopsUnderTest.js';

let t: SmsopsUnderTest;
beforeEach(async () => {
  t = await startSmsopsUnderTest();
});
afterEach(async () => {
  // No secret may reach Slack or the log, whatever Wavix said.
  await stopCheckingSecrets(t);
});

const lastAudit = () =>
  t.db.prepare("SELECT outcome, detail FROM audit_log WHERE action = 'number.enable-inbound' ORDER BY id DESC LIMIT 1").get() as {
    outcome: string;
    detail: string;
  };

/** What the admin reads after the failed change, what the audit row holds, and what anyone reads in `/sms audit`. */
async function failEnableInbound(): Promise<{ reply: string; detail: string; audit: string }> {
  const reply = readable((await runCommand(t, 'number enable-inbound +1 202 555 0143', { userId: ADMIN })).body);
  const { outcome, detail } = lastAudit();
  expect(outcome).toBe('failed');
  const audit = readable((await runCommand(t, 'audit', { userId: OUTSIDER })).body);
  return { reply, detail, audit };
}

describe('Wavix’s words quoted to Slack and the audit log', () => {
  it('masks the API key Wavix echoes in its message', async () => {
    t.emulator.injectFault({ path: '/v1/', status: 400, body: { message: `Invalid appid ${t.emulator.apiKey}` }, times: 5 });
    const { reply, detail, audit } = await failEnableInbound();
    expect(reply).toContain('Wavix said: "Invalid appid [REDACTED]"');
    expect(detail).toContain('Invalid appid [REDACTED]');
    expect(audit).toContain('Invalid appid [REDACTED]');
    for (const shown of [reply, detail, audit]) expect(shown).not.toContain(t.emulator.apiKey);
  });

  it('masks the key and the webhook secret inside a 422 errors object', async () => {
    t.emulator.injectFault({
      path: '/v1/',
      status: 422,
      body: {
        errors: { key: [t.emulator.apiKey], url: [`https://smsops.example.com/webhooks/wavix/inbound/${WEBHOOK_SECRET}`] },
      },
      times: 5,
    });
    const { reply, detail, audit } = await failEnableInbound();
    expect(reply).toContain('"key":["[REDACTED]"]');
    for (const shown of [reply, detail, audit]) {
      expect(shown).not.toContain(t.emulator.apiKey);
      expect(shown).not.toContain(WEBHOOK_SECRET);
    }
  });

  it('quotes at most 300 characters of a long errors object, whole characters only', async () => {
    // Quoted as JSON: `{"text":["` then the text. The emoji straddles the cut: half of it would make Slack's client
    // refuse the message.
    const long = `${'x'.repeat(288)}😀${'y'.repeat(50_000)}`;
    t.emulator.injectFault({ path: '/v1/', status: 422, body: { errors: { text: [long] } }, times: 5 });
    const { reply, detail, audit } = await failEnableInbound();
    const quoted = detail.slice(detail.indexOf('Wavix said: "') + 'Wavix said: "'.length, detail.lastIndexOf('".'));
    expect(quoted).toBe(`{"text":["${'x'.repeat(288)}…`);
    expect(detail.length).toBeLessThan(500);
    expect(reply).toContain(`${'x'.repeat(288)}…`);
    for (const shown of [reply, detail, audit]) expect(shown).not.toContain('yyyyyyyyyy');
  });
});
