import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { compareSlackTs } from '../../src/core/conversations/replyQueue.js';
import { SANDBOX_WORKSPACE } from '../../src/sandbox/workspace.js';
import { type SandboxUnderTest, startSandboxUnderTest } from './sandboxUnderTest.js';

// biome-ignore lint/suspicious/noExplicitAny: the console state is read structurally
type Item = any;

const { inboxChannel } = SANDBOX_WORKSPACE;
const CUSTOMER = '+447400999888';
const shows = (item: Item, text: string) => JSON.stringify([item.text, item.blocks]).includes(text);

/** One run: an SMS comes in, is posted (and its PortSIP status drawn), and a reply typed in its thread is sent. */
async function smsAndReply(t: SandboxUnderTest, run: number): Promise<{ post: Item; replyTs: string }> {
  expect((await t.api('inbound', { from: CUSTOMER, to: '+14155550100', text: `question ${run}` })).status).toBe(200);
  // Edited: the post now shows what PortSIP answered, redrawn from what the database holds for its ts.
  const post: Item = await t.waitForState(
    (s) =>
      s.items.find((i: Item) => i.channel === inboxChannel && i.kind === 'message' && i.edited && shows(i, `question ${run}`)),
    `run ${run}: the SMS posted in the inbox channel with its PortSIP status`,
  );
  const answer = await t.api(`items/${post.id}/reply`, { text: `answer ${run}` });
  expect(answer.json.status).toBe(200);
  const threadTs = post.threadTs ?? post.ts;
  await t.waitForState(
    (s) => s.items.find((i: Item) => i.threadTs === threadTs && /^Sent · Wavix id/.test(i.text)),
    `run ${run}: the reply's status line saying sent`,
  );
  const sent = t.sandbox.emulator.state().messages.filter((m) => m.direction === 'outbound');
  expect(sent.map((m) => m.message_body.text)).toEqual([`answer ${run}`]);
  const written = (await t.api('state')).json.items.find((i: Item) => i.id === answer.json.itemId);
  return { post, replyTs: written.ts };
}

describe('the sandbox restarted on its kept database', () => {
  const dir = mkdtempSync(join(tmpdir(), 'smsops-sandbox-restart-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('sends a thread reply in each run, and posts a new SMS as a post of its own, not into an old one', async () => {
    const databasePath = join(dir, 'sandbox.db');
    const first = await startSandboxUnderTest({ databasePath });
    let run1: Awaited<ReturnType<typeof smsAndReply>>;
    try {
      run1 = await smsAndReply(first, 1);
    } finally {
      await first.stop();
    }

    const second = await startSandboxUnderTest({ databasePath });
    try {
      const run2 = await smsAndReply(second, 2);
      expect(run2.post.ts).not.toBe(run1.post.ts);
      expect(compareSlackTs(run2.post.ts, run1.post.ts)).toBeGreaterThan(0);
      expect(compareSlackTs(run2.replyTs, run1.replyTs)).toBeGreaterThan(0);
      const now = (await second.api('state')).json.items.find((i: Item) => i.id === run2.post.id);
      expect(shows(now, 'question 2')).toBe(true);
      expect(shows(now, 'question 1')).toBe(false);
      expect(second.logs.filter((line) => line.includes('already_handled'))).toEqual([]);
    } finally {
      await second.stop();
    }
  }, 60_000);
});
