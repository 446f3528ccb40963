import { afterEach, describe, expect, it } from 'vitest';
import {
  ADMIN,
  postInbound,
  readable,
  runCommand,
  type SmsopsUnderTest,
  startSmsopsUnderTest,
  stopCheckingSecrets,
} from '../helpers/smsopsUnderTest.js';
import { waitUntil } from '../helpers/waitUntil.js';

/**
 * Someone in the team deletes a relayed SMS post that started a conversation's thread of the day (with no replies,
 * Slack keeps nothing of it) and the customer writes again: Slack answers `thread_not_found` to every post under it.
 * The real Bolt client, relay and SQLite, against the fake Slack answering as Slack does.
 */

const INBOX = 'C0INBOX001';
let t: SmsopsUnderTest | undefined;

afterEach(async () => {
  if (t) await stopCheckingSecrets(t);
  t = undefined;
});

describe('a conversation whose thread of the day was deleted in Slack', () => {
  it('goes on in a new thread, which the next SMS finds, instead of retrying into the deleted one', async () => {
    t = await startSmsopsUnderTest({ SLACK_RELAY_PACE_MS: '0', RELAY_RETRY_BASE_MS: '100', SLACK_INBOX_CHANNEL: INBOX });
    const s = t;
    const posts = () => s.fakeSlack.callsTo('chat.postMessage').filter((c) => c.args.channel === INBOX);
    await postInbound(s, { text: 'first message' });
    await waitUntil(() => posts().length >= 1, 5000, 'the first SMS posted');
    const deleted = posts()[0]?.result?.ts as string;
    s.fakeSlack.handle('chat.postMessage', (call) =>
      call.args.thread_ts === deleted
        ? { ok: false, error: 'thread_not_found' }
        : { ts: s.fakeSlack.nextTs(), channel: call.args.channel },
    );

    await postInbound(s, { text: 'second message' });
    await waitUntil(
      () => posts().some((c) => !c.error && readable(c.args).includes('second message')),
      5000,
      () =>
        `the second SMS posted; Slack answered: ${posts()
          .map((c) => c.error ?? 'ok')
          .join(', ')}`,
    );
    const second = posts().find((c) => !c.error && readable(c.args).includes('second message'));
    expect(second?.args.thread_ts).toBeUndefined();
    expect(readable(second?.args)).toContain('thread of today was deleted in Slack');
    expect(posts().filter((c) => c.error === 'thread_not_found')).toHaveLength(1);

    // The next SMS of the conversation is threaded under the new parent, and the relay has nothing left to do.
    await postInbound(s, { text: 'third message' });
    await waitUntil(
      () => posts().some((c) => !c.error && readable(c.args).includes('third message')),
      5000,
      'the third SMS posted',
    );
    expect(posts().find((c) => readable(c.args).includes('third message'))?.args.thread_ts).toBe(second?.result?.ts);
    await waitUntil(
      async () => ((await (await fetch(`${s.smsops.url}/healthz`)).json()) as { backlog: number }).backlog === 0,
      5000,
      'an empty relay backlog',
    );
    expect(readable((await runCommand(s, 'relay status', { userId: ADMIN })).body)).not.toContain('thread_not_found');
  }, 30_000);
});
