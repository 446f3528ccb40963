import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SANDBOX_WORKSPACE } from '../../src/sandbox/workspace.js';
import { type SandboxUnderTest, startSandboxUnderTest } from './sandboxUnderTest.js';

// biome-ignore lint/suspicious/noExplicitAny: the console state is read structurally
type Item = any;

const { inboxChannel } = SANDBOX_WORKSPACE;

describe('sandbox console: answering a relayed SMS from its thread', () => {
  let t: SandboxUnderTest;
  beforeAll(async () => {
    t = await startSandboxUnderTest();
  });
  afterAll(async () => {
    await t?.stop();
  });

  it('shows the thread, and a reply typed there goes to the customer as an SMS through the emulator, with its status', async () => {
    expect((await t.api('state')).json.workspace.inboxChannel).toBe(inboxChannel);
    const sent = await t.api('inbound', { from: '+14155550123', to: '+14155550100', text: 'Is the shop open?' });
    expect(sent.status).toBe(200);
    const post: Item = await t.waitForState(
      (s) => s.items.find((i: Item) => i.channel === inboxChannel && i.kind === 'message' && !i.threadTs),
      'the relayed SMS in the inbox channel',
    );

    const answer = await t.api(`items/${post.id}/reply`, { text: 'Yes, until 6 & on <Sundays>' });
    expect(answer.status).toBe(200);
    expect(answer.json.status).toBe(200);

    const state = await t.waitForState(
      (s) => (s.items.some((i: Item) => i.threadTs === post.ts && /^Sent · Wavix id/.test(i.text)) ? s : undefined),
      'the status line saying sent',
    );
    const inThread = state.items.filter((i: Item) => i.threadTs === post.ts);
    expect(inThread.map((i: Item) => i.kind)).toEqual(['command', 'message']);
    expect(inThread[0].text).toBe('Yes, until 6 & on <Sundays>');
    const outbound = t.sandbox.emulator.state().messages.filter((m) => m.direction === 'outbound');
    expect(outbound).toHaveLength(1);
    expect(outbound[0]).toMatchObject({ from: '+14155550100', to: '+14155550123' });
    expect(outbound[0]?.message_body.text).toBe('Yes, until 6 & on <Sundays>');
  });

  it('refuses an empty reply and a message that is gone', async () => {
    expect((await t.api('items/999999/reply', { text: 'hello' })).status).toBe(400);
    expect((await t.api('items/1/reply', { text: '   ' })).status).toBe(400);
  });
});
