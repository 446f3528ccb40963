import { describe, expect, it } from 'vitest';
import type { FakeSlackCall } from '../../src/sandbox/fakeSlackApi.js';
import { createConsoleFeed } from '../../src/sandbox/feed.js';

const BASE = 'http://127.0.0.1:9/response/';

function call(method: string, args: Record<string, unknown>, result: Record<string, unknown>): FakeSlackCall {
  return { method, token: 'xoxb-x', args, at: 0, result: { ok: true, ...result } };
}

const modal = (title: string) => ({ type: 'modal', title: { type: 'plain_text', text: title }, blocks: [] });

describe('console feed', () => {
  it("keeps the newest modal when a submission's acknowledgement arrives after the app's views.update", () => {
    const feed = createConsoleFeed({ responseUrlBase: BASE });
    feed.record({ kind: 'call', call: call('views.open', { view: modal('Form') }, { view: { id: 'V1', hash: 'h1' } }) });
    const versionAtSend = feed.modal('V1')?.version ?? -1;
    // The app acked with "Sending…" and then updated the modal to the result; the ack's answer is read last.
    feed.record({
      kind: 'call',
      call: call('views.update', { view_id: 'V1', view: modal('Done') }, { view: { id: 'V1', hash: 'h2' } }),
    });
    feed.applySubmissionAck('V1', versionAtSend, { response_action: 'update', view: modal('Sending…') });
    expect(feed.snapshot().modal?.view).toMatchObject({ title: { text: 'Done' } });
  });

  it('applies an acknowledgement that arrives before any update, and closes the modal on an empty one', () => {
    const feed = createConsoleFeed({ responseUrlBase: BASE });
    feed.record({ kind: 'call', call: call('views.open', { view: modal('Form') }, { view: { id: 'V1', hash: 'h1' } }) });
    feed.applySubmissionAck('V1', feed.modal('V1')?.version ?? -1, { response_action: 'update', view: modal('Sending…') });
    expect(feed.snapshot().modal?.view).toMatchObject({ title: { text: 'Sending…' } });
    feed.applySubmissionAck('V1', feed.modal('V1')?.version ?? -1, undefined);
    expect(feed.snapshot().modal).toBeNull();
  });

  it("replaces, or deletes, the message whose button was clicked when the app answers on the click's response_url", () => {
    const feed = createConsoleFeed({ responseUrlBase: BASE });
    feed.record({ kind: 'call', call: call('chat.postEphemeral', { channel: 'C1', text: 'Confirm?' }, { message_ts: '1.1' }) });
    const clicked = feed.snapshot().items[0];
    if (!clicked) throw new Error('no item');
    const replaceUrl = new URL(feed.responseUrlFor({ channel: 'C1', itemId: clicked.id }));
    feed.record({
      kind: 'response',
      response: { path: replaceUrl.pathname, body: { replace_original: true, text: 'Replaced.' } },
    });
    expect(feed.snapshot().items.map((i) => i.text)).toEqual(['Replaced.']);

    const deleteUrl = new URL(feed.responseUrlFor({ channel: 'C1', itemId: clicked.id }));
    feed.record({ kind: 'response', response: { path: deleteUrl.pathname, body: { delete_original: true } } });
    expect(feed.snapshot().items).toEqual([]);
  });

  it('edits a channel post in place on chat.update and marks it edited', () => {
    const feed = createConsoleFeed({ responseUrlBase: BASE });
    feed.record({ kind: 'call', call: call('chat.postMessage', { channel: 'C9', text: 'Alert: open' }, { ts: '5.5' }) });
    feed.record({ kind: 'call', call: call('chat.update', { channel: 'C9', ts: '5.5', text: 'Resolved' }, {}) });
    expect(feed.snapshot().items).toEqual([expect.objectContaining({ channel: 'C9', text: 'Resolved', edited: true })]);
  });

  it('marks a thread reply also sent to the channel (reply_broadcast, form-encoded as "true") so the console shows it there too', () => {
    const feed = createConsoleFeed({ responseUrlBase: BASE });
    const post = (args: Record<string, unknown>, ts: string) =>
      feed.record({ kind: 'call', call: call('chat.postMessage', { channel: 'C1', text: 'x', ...args }, { ts }) });
    post({}, '1.1');
    post({ thread_ts: '1.1', reply_broadcast: 'true' }, '1.2');
    post({ thread_ts: '1.1' }, '1.3');
    post({ reply_broadcast: true }, '1.4');
    expect(feed.snapshot().items.map((item) => [item.ts, item.threadTs, item.broadcast ?? false])).toEqual([
      ['1.1', null, false],
      ['1.2', '1.1', true],
      ['1.3', '1.1', false],
      ['1.4', null, false],
    ]);
  });
});
