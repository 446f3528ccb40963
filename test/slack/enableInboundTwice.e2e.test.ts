import { afterEach, expect, it } from 'vitest';
import { ACTION } from '../../src/slack/ids.js';
import { ADMIN, readable, type SmsopsUnderTest, startSmsopsUnderTest, stopCheckingSecrets } from '../helpers/smsopsUnderTest.js';

// Wavix slow (1.5 s a read of the numbers): "Enable inbound SMS" pressed twice before the first answer (or the command
// and doctor's fix at once) both found the number inactive, both asked Wavix to activate it, and both people read
// "Inbound SMS is now active", audited twice (a probe).

let t: SmsopsUnderTest;
afterEach(async () => {
  await stopCheckingSecrets(t);
});

it('activates inbound SMS once when its button is pressed twice while Wavix is slow, the second press told it is active already', async () => {
  t = await startSmsopsUnderTest();
  t.emulator.injectFault({ method: 'GET', path: '/v1/numbers', latencyMs: 1500, times: 2 });
  const press = (n: number) =>
    t.slack.blockAction({
      actionId: ACTION.enableInbound,
      value: '+12025550143',
      userId: ADMIN,
      isEphemeral: true,
      responseUrl: `${t.fakeSlack.responseUrl}press-${n}`,
    });
  await Promise.all([press(1), press(2)]);
  const answers = await t.fakeSlack.waitForResponses(2, 15_000);

  const activations = t.emulator.requests().filter((r) => r.method === 'PATCH' && r.path === '/v1/numbers/102');
  expect(activations).toHaveLength(1);
  const said = answers.map((a) => readable(a.body));
  expect(said.filter((s) => s.includes('Inbound SMS is now active on +1 202 555 0143'))).toHaveLength(1);
  expect(said.filter((s) => s.includes('Inbound SMS was already active on +1 202 555 0143'))).toHaveLength(1);
});
