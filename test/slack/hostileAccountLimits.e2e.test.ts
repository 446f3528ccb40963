import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN, runCommand, type SmsopsUnderTest, startSmsopsUnderTest } from '../helpers/smsopsUnderTest.js';
import { waitUntil } from '../helpers/waitUntil.js';

/**
 * Real Slack refuses a whole answer over one of its Block Kit limits (shared/slack-bolt.md §4b), and the person then
 * sees nothing. An account as a real one gets: 1,000 numbers with labels full of mrkdwn and Slack control sequences, a
 * number Wavix holds two records of, 100 Sender IDs of 11 odd characters with long carrier reasons. Every answer and
 * view must be taken by a Slack that enforces its limits, and none may ping.
 */
const HOSTILE =
  '*b* _i_ ~s~ `c` <!channel> <!here> <@U0HOSTILE1> <#C0HOSTILE1|x> <https://evil.example|bank> &amp; 😀 مرحبا \u202E';

let t: SmsopsUnderTest;
beforeAll(async () => {
  t = await startSmsopsUnderTest({}, { emulator: { pbxDids: 500 } });
  t.fakeSlack.enforceLimits();
  const state = t.emulator.state();
  const [first] = state.numbers;
  if (!first) throw new Error('the emulator has no numbers');
  // Wavix's second record of one number (an old, inactive one), beside the active one.
  state.numbers.splice(1, 0, { ...structuredClone(first), id: 880_000, status: 'inactive', sms_enabled: false });
  first.sms_enabled = false;
  for (let i = state.numbers.length; i < 1_000; i++)
    state.numbers.push({
      ...structuredClone(first),
      id: 900_000 + i,
      number: String(12_025_550_000 + i),
      label: `${HOSTILE} ${'L'.repeat(i % 7 === 0 ? 3_000 : 5)}`,
    });
  for (let i = 0; i < 100; i++) {
    const id = `sid-hostile-${i}`;
    state.senderIds.push({
      id,
      sender_id: (i % 2 ? `<!here>&*_${i}` : '€€€<@U0HOSTI').slice(0, 11),
      type: 'alphanumeric',
      allowlisted_in: ['GB'],
      usecase: HOSTILE,
      samples: [HOSTILE],
    });
    state.reviews.set(id, {
      requested: ['GB', 'US', 'ES'],
      pending: new Map(),
      rejected: new Map([
        ['US', `${HOSTILE} ${'R'.repeat(4_000)}`],
        ['ES', `https://evil.example/${'p'.repeat(3_000)}`],
      ]),
    });
  }
}, 60_000);
afterAll(() => t.stop());

const PINGS = /<!channel>|<!here>|<@U0HOSTI|<#C0HOSTILE1|<https:\/\/evil/;

describe('an account full of hostile data, answered within Slack’s limits', () => {
  it('answers every listing, the doctor and the Home tab, none refused and none pinging', async () => {
    // A route for the number of two records: the doctor finds its inbound SMS inactive on each.
    const first = t.emulator.state().numbers[0]?.number;
    await runCommand(t, `route set +${first} https://pbx.example.com/emc/Wavix/ffff0000-1111-2222-3333-444455556666`);
    const commands = ['numbers', 'numbers page 2', 'senderid list', 'senderid list 3', 'doctor', 'doctor all'];
    for (const command of commands) {
      const { body } = await runCommand(t, command);
      expect(body?.blocks?.length, command).toBeGreaterThan(0);
    }
    await waitUntil(
      () => t.fakeSlack.responses.some((r) => String(r.body?.text).startsWith('SMS doctor:')),
      20_000,
      () => 'the doctor report shown',
    );
    await t.slack.event({ type: 'app_home_opened', user: ADMIN, channel: 'D0HOME0001', tab: 'home' });
    await t.fakeSlack.waitFor('views.publish', 2, 20_000);
    const refused = t.fakeSlack.calls.filter((c) => c.error !== undefined).map((c) => `${c.method}: ${c.error}`);
    expect(refused).toEqual([]);
    const shown = JSON.stringify([t.fakeSlack.responses.map((r) => r.body), t.fakeSlack.calls.map((c) => c.args)]);
    expect(shown).not.toMatch(PINGS);
  }, 60_000);
});
