import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCommand, type SmsopsUnderTest, startSmsopsUnderTest } from '../helpers/smsopsUnderTest.js';

let t: SmsopsUnderTest;
beforeAll(async () => {
  t = await startSmsopsUnderTest();
});
afterAll(() => t.stop());

/** Every mrkdwn string of an answer: the fallback `text` (notifications, clients without blocks) and the blocks. */
// biome-ignore lint/suspicious/noExplicitAny: Slack message bodies are asserted structurally
function mrkdwnOf(body: any): string[] {
  const texts: string[] = [String(body.text ?? '')];
  const walk = (value: unknown): void => {
    if (Array.isArray(value)) value.forEach(walk);
    else if (value && typeof value === 'object') {
      const o = value as Record<string, unknown>;
      if (o.type === 'mrkdwn' && typeof o.text === 'string') texts.push(o.text);
      Object.values(o).forEach(walk);
    }
  };
  walk(body.blocks ?? []);
  return texts;
}

/** What Slack sends for `@channel` typed in a slash command (should_escape), and for a typed `<!here>`. */
const PINGS = ['<!channel>', '&lt;!here&gt;'];

describe('a value typed into /sms never pings from the answer, blocks or fallback text', () => {
  it('senderid reject: the reason is escaped in the fallback text as in the blocks', async () => {
    // A Sender ID pending in France, as requested in the Wavix portal; the approvals job brings it into smsops.
    const created = await fetch(`${t.emulator.url}/v3/messages/sender-ids`, {
      method: 'POST',
      headers: { authorization: `Bearer ${t.emulator.apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        sender_id: 'Brandx',
        type: 'alphanumeric',
        countries: ['FR'],
        usecase: 'transactional',
        samples: ['Code 1234'],
      }),
    });
    expect(created.ok).toBe(true);
    await runCommand(t, 'jobs run sender-id-approvals');
    const { status, body } = await runCommand(t, `senderid reject Brandx FR ${PINGS.join(' ')} *Brand* not registered`);
    expect(status).toBe(200);
    expect(body.text).toContain('Recorded:');
    for (const text of mrkdwnOf(body)) {
      expect(text).not.toMatch(/<!(channel|here)/);
      expect(text).toContain('&lt;!channel&gt;');
    }
  });

  it.each(['route', 'relay', 'jobs', 'senderid', 'webhook', 'number', 'alerts', 'audit', 'portsip'])(
    'an unknown %s verb is named without its mention',
    async (topic) => {
      const { body } = await runCommand(t, `${topic} <!channel>`);
      const texts = mrkdwnOf(body);
      expect(texts.join('\n')).toContain('&lt;!channel&gt;');
      for (const text of texts) expect(text).not.toMatch(/<!channel>/);
    },
  );

  it('an unknown command is named without its mention', async () => {
    const { body } = await runCommand(t, '<!channel> now');
    for (const text of mrkdwnOf(body)) expect(text).not.toMatch(/<!channel>/);
  });
});
