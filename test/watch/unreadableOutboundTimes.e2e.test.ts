import { afterEach, describe, expect, it } from 'vitest';
import {
  readable,
  runCommand,
  type SmsopsUnderTest,
  startSmsopsUnderTest,
  stopCheckingSecrets,
} from '../helpers/smsopsUnderTest.js';
import { wavixProxy } from '../helpers/wavixProxy.js';

/**
 * Wavix writing its outbound times in a form nobody can read: the emulator behind a proxy that rewrites every listed
 * message's submitted_at and sent_at, in the export's lines and the paged list alike. Everything else passes through.
 */
function wavixWithUnreadableTimes() {
  return wavixProxy({
    rewrite: (url, body) => {
      if (url.searchParams.get('type') !== 'outbound') return body;
      const unreadable = (item: Record<string, unknown>) =>
        Object.assign(item, { submitted_at: 'Fri 5:34pm', sent_at: 'Fri 5:34pm' });
      // The watch reads its window through the export (NDJSON, a message a line); the paged list is its fallback.
      if (url.pathname === '/v3/messages/all') {
        return body
          .split('\n')
          .map((line) => (line.trim() === '' ? line : JSON.stringify(unreadable(JSON.parse(line) as Record<string, unknown>))))
          .join('\n');
      }
      if (url.pathname !== '/v3/messages') return body;
      const answer = JSON.parse(body) as { items: Array<Record<string, unknown>> };
      for (const item of answer.items) unreadable(item);
      return JSON.stringify(answer);
    },
  });
}

let t: SmsopsUnderTest;
let wavix: Awaited<ReturnType<typeof wavixWithUnreadableTimes>>;
afterEach(async () => {
  await stopCheckingSecrets(t);
  await wavix.close();
});

describe('outbound messages whose times Wavix wrote unreadably (real app, fake Slack)', () => {
  it('are counted by the traffic watch when first listed, and logged once without their text', async () => {
    wavix = await wavixWithUnreadableTimes();
    t = await startSmsopsUnderTest({ WAVIX_API_URL: wavix.url });
    wavix.passTo(t.emulator.url);
    const sent = await fetch(`${t.emulator.url}/_emulator/outbound-traffic`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ count: 3, failureRate: 1 }),
    });
    expect(sent.status).toBe(201);
    await t.emulator.clock.advance(60_000); // sent, then undelivered

    for (let run = 0; run < 2; run++) {
      expect(readable((await runCommand(t, 'jobs run traffic-watch')).body)).toContain('traffic-watch: ok');
    }

    const traffic = readable((await runCommand(t, 'traffic 1h')).body);
    expect(traffic).toMatch(/\b3 sent\b/);
    const warned = t.logs.filter((line) => line.includes('whose times are not ISO 8601'));
    expect(warned).toHaveLength(1);
    expect(warned[0]).toContain('"messages":3');
    expect(warned[0]).toContain('Fri 5:34pm');
    expect(t.logs.join('\n')).not.toContain('Sandbox traffic');
  });
});
