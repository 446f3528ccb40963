import { afterEach, expect, it } from 'vitest';
import { readable, type SmsopsUnderTest, startSmsopsUnderTest, stopCheckingSecrets } from '../helpers/smsopsUnderTest.js';
import { sleep } from '../helpers/waitUntil.js';
import { wavixProxy } from '../helpers/wavixProxy.js';

// Wavix slow: two `/sms webhook set` of the account default at once, each to its own URL, both read it unset (nothing
// to confirm). The second, finding the first's URL when it wrote, was told "changed since you were asked to confirm":
// it had asked nothing (a probe).

let t: SmsopsUnderTest;
let slowWavix: Awaited<ReturnType<typeof wavixProxy>>;
afterEach(async () => {
  await stopCheckingSecrets(t);
  slowWavix.release();
  await slowWavix.close();
});

it('tells the person whose webhook change met another one, never asked to confirm, what happened without a confirmation they never saw', async () => {
  // The first change's write takes Wavix 1.5 s: the second command reads the webhook unset meanwhile.
  let held = false;
  slowWavix = await wavixProxy({
    holdFor: (method, url) => {
      if (held || method !== 'PUT' || url.pathname !== '/v1/profile') return 0;
      held = true;
      return 1_500;
    },
  });
  t = await startSmsopsUnderTest({ WAVIX_API_URL: slowWavix.url });
  slowWavix.passTo(t.emulator.url);
  t.emulator.state().profile.sms_relay_url = '';
  const set = (url: string, n: number) =>
    t.slack.command(`webhook set default ${url}`, { responseUrl: `${t.fakeSlack.responseUrl}set-${n}` });
  await set('https://one.example.com/sms', 1);
  await sleep(500);
  await set('https://two.example.com/sms', 2);
  const said = (await t.fakeSlack.waitForResponses(2, 15_000)).map((a) => readable(a.body));

  expect(said.filter((s) => s.includes('updated on Wavix'))).toHaveLength(1);
  const refused = said.find((s) => !s.includes('updated on Wavix')) ?? '';
  expect(refused).toContain('was set to another URL (another change, made meanwhile) while smsops was setting yours');
  expect(refused).not.toContain('asked to confirm');
});
