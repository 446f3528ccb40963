import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type FakeSlack, startFakeSlack } from '../helpers/fakeSlack.js';
import { ADMIN, type SmsopsUnderTest, startSmsopsUnderTest } from '../helpers/smsopsUnderTest.js';

/**
 * Real Slack refuses a view or a message over its Block Kit limits (shared/slack-bolt.md §4b); a fake that took them
 * let an answer pass every test that a person would never see. These check the fake refuses as Slack does.
 */
let fake: FakeSlack;
beforeEach(async () => {
  fake = await startFakeSlack({ enforceLimits: true });
});
afterEach(async () => {
  await fake.close();
});

const call = async (method: string, args: Record<string, unknown>) => {
  const response = await fetch(`${fake.url}${method}`, {
    method: 'POST',
    headers: { authorization: 'Bearer xoxb-test-token', 'content-type': 'application/json' },
    body: JSON.stringify(args),
  });
  return (await response.json()) as { ok: boolean; error?: string };
};

const plain = (text: string) => ({ type: 'plain_text', text });
const select = (count: number) => ({
  type: 'input',
  block_id: 'pick',
  label: plain('Number'),
  element: {
    type: 'static_select',
    action_id: 'pick',
    options: Array.from({ length: count }, (_, i) => ({ text: plain(`+1 202 555 ${i}`), value: `+1202555${i}` })),
  },
});
const modal = (fields: Record<string, unknown>) => ({
  type: 'modal',
  title: plain('Request a Sender ID'),
  blocks: [],
  ...fields,
});

describe('the fake Slack refuses views and messages over Slack’s limits', () => {
  it('refuses a modal whose static select holds more than 100 options, and takes one of 100', async () => {
    expect(await call('views.open', { trigger_id: 't', view: modal({ blocks: [select(101)] }) })).toEqual({
      ok: false,
      error: 'invalid_arguments',
    });
    expect((await call('views.open', { trigger_id: 't', view: modal({ blocks: [select(100)] }) })).ok).toBe(true);
  });

  it('refuses a modal title over 24 characters, a Home tab of 101 blocks and one over 250 KB', async () => {
    expect(
      (await call('views.open', { trigger_id: 't', view: modal({ title: plain('Request a Sender ID now!!') }) })).error,
    ).toBe('invalid_arguments');
    const section = (text: string) => ({ type: 'section', text: { type: 'mrkdwn', text } });
    const home = (blocks: unknown[]) => ({ user_id: ADMIN, view: { type: 'home', blocks } });
    expect((await call('views.publish', home(Array.from({ length: 101 }, () => section('x'))))).error).toBe('invalid_arguments');
    expect((await call('views.publish', home(Array.from({ length: 100 }, () => section('x'))))).ok).toBe(true);
    expect((await call('views.publish', home(Array.from({ length: 90 }, () => section('x'.repeat(2_900)))))).error).toBe(
      'view_too_large',
    );
  });

  it('refuses a message with a button text over 75 characters, a repeated block_id or an input block', async () => {
    const button = (text: string) => ({
      type: 'actions',
      elements: [{ type: 'button', action_id: 'a', text: plain(text), value: 'v' }],
    });
    expect((await call('chat.postMessage', { channel: 'C1', text: 't', blocks: [button('x'.repeat(76))] })).error).toBe(
      'invalid_blocks',
    );
    expect((await call('chat.postMessage', { channel: 'C1', text: 't', blocks: [button('x'.repeat(75))] })).ok).toBe(true);
    const twice = { type: 'section', block_id: 'b', text: { type: 'mrkdwn', text: 'x' } };
    expect((await call('chat.postMessage', { channel: 'C1', text: 't', blocks: [twice, twice] })).error).toBe('invalid_blocks');
    expect((await call('chat.postMessage', { channel: 'C1', text: 't', blocks: [select(3)] })).error).toBe('invalid_blocks');
  });

  // Slack's text objects take 1 to 3,000 characters wherever they sit; the fake took an empty one and a context element
  // of any length, so an answer showing a blank value alone passed every test and never reached a person (a probe).
  it('refuses an empty text object, a context element over 3,000 characters and a header in mrkdwn', async () => {
    const post = (blocks: unknown[]) => call('chat.postMessage', { channel: 'C1', text: 't', blocks });
    expect((await post([{ type: 'section', text: { type: 'mrkdwn', text: '' } }])).error).toBe('invalid_blocks');
    expect((await post([{ type: 'context', elements: [{ type: 'mrkdwn', text: 'x'.repeat(3_001) }] }])).error).toBe(
      'invalid_blocks',
    );
    expect((await post([{ type: 'context', elements: [{ type: 'mrkdwn', text: 'x'.repeat(3_000) }] }])).ok).toBe(true);
    expect((await post([{ type: 'header', text: { type: 'mrkdwn', text: '*x*' } }])).error).toBe('invalid_blocks');
    const option = (text: string) => ({ text: plain(text), value: 'v' });
    const picker = { type: 'actions', elements: [{ type: 'static_select', action_id: 'p', options: [option('a'), option('')] }] };
    expect((await post([picker])).error).toBe('invalid_blocks');
  });
});

describe('smsops’ views on an account of 3,000 numbers, under Slack’s limits', () => {
  let t: SmsopsUnderTest;
  beforeEach(async () => {
    t = await startSmsopsUnderTest();
    t.fakeSlack.enforceLimits();
    const [first] = t.emulator.state().numbers;
    if (!first) throw new Error('the emulator has no numbers');
    for (let i = 0; i < 3_000; i++) {
      t.emulator.state().numbers.push({
        ...structuredClone(first),
        id: 50_000 + i,
        number: String(12_025_550_000 + i),
        sms_enabled: i % 2 === 0,
        label: `Reseller tenant ${i}: customer service, building 7, floor 3, extension group ${'x'.repeat(60)}`,
      });
    }
  });
  afterEach(async () => {
    await t.stop();
  });

  it('opens the Sender ID form and publishes the Home tab without a refusal', async () => {
    await t.slack.command('senderid create', { userId: ADMIN });
    const [opened] = await t.fakeSlack.waitFor('views.open', 1);
    expect(opened?.error).toBeUndefined();
    await t.slack.event({ type: 'app_home_opened', user: ADMIN, channel: 'D0HOME0001', tab: 'home' });
    await t.fakeSlack.waitFor('views.publish', 2, 20_000);
    const refused = t.fakeSlack.calls.filter((c) => c.method.startsWith('views.') && c.error !== undefined);
    expect(refused.map((c) => `${c.method}: ${c.error}`)).toEqual([]);
  }, 30_000);
});
