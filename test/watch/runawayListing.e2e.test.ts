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
 * Wavix as the probe met it: every `/v1/numbers` page a valid page of the real numbers, numbered as asked, saying
 * there are 10 million pages. Everything else passes through to the emulator.
 */
async function wavixThatNeverEndsTheNumbers() {
  let numbersPages = 0;
  const proxy = await wavixProxy({
    upstreamPathOf: (url) =>
      url.pathname === '/v1/numbers' ? '/v1/numbers?page=1&per_page=100' : `${url.pathname}${url.search}`,
    rewrite: (url, body) => {
      if (url.pathname !== '/v1/numbers') return body;
      numbersPages += 1;
      const page = Number(url.searchParams.get('page') ?? 1);
      const answer = JSON.parse(body) as { pagination: Record<string, number> };
      answer.pagination = { ...answer.pagination, current_page: page, total: 1_000_000_000, total_pages: 10_000_000 };
      return JSON.stringify(answer);
    },
  });
  return { ...proxy, numbersPages: () => numbersPages };
}

let t: SmsopsUnderTest;
let wavix: Awaited<ReturnType<typeof wavixThatNeverEndsTheNumbers>>;
afterEach(async () => {
  await stopCheckingSecrets(t);
  await wavix.close();
});

describe('a Wavix whose numbers listing never ends (real app, fake Slack)', () => {
  it('/sms number list and the traffic watch say so after two pages, instead of reading forever', async () => {
    wavix = await wavixThatNeverEndsTheNumbers();
    t = await startSmsopsUnderTest({ WAVIX_API_URL: wavix.url });
    wavix.passTo(t.emulator.url);

    const list = readable((await runCommand(t, 'number list')).body);
    expect(list).toContain('Could not list the numbers.');
    expect(list).toContain('Wavix answered page 2 with the same');
    expect(list).toContain('it says there are 10000000 pages');

    const job = readable((await runCommand(t, 'jobs run traffic-watch')).body);
    expect(job).toContain('traffic-watch: failed');
    expect(job).toContain('it is not paging');
    expect(readable((await runCommand(t, 'jobs')).body)).toMatch(/traffic-watch.*\n.*\n.*last run .*: failed/);
    expect(wavix.numbersPages()).toBeLessThanOrEqual(6);
  });
});
