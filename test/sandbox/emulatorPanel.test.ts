import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SANDBOX_WORKSPACE } from '../../src/sandbox/workspace.js';
import { waitUntil } from '../helpers/waitUntil.js';
import { type SandboxUnderTest, senderIdFormValues, startSandboxUnderTest } from './sandboxUnderTest.js';

// biome-ignore lint/suspicious/noExplicitAny: the console state is read structurally
type Item = any;

const { alertChannel } = SANDBOX_WORKSPACE;

/** The emulator panel's buttons and the identity switch, through the console's API as the page calls it. */
describe('sandbox emulator panel', () => {
  let t: SandboxUnderTest;
  beforeAll(async () => {
    t = await startSandboxUnderTest();
  });
  afterAll(async () => {
    await t?.stop();
  });

  const items = (state: { items: Item[] }, filter: (item: Item) => boolean) => state.items.filter(filter);
  const replies = (state: { items: Item[] }, pattern: RegExp) =>
    items(state, (i) => i.kind === 'reply' && pattern.test(`${i.text} ${JSON.stringify(i.blocks ?? [])}`));

  async function requestSenderId(value: string, countries: string[]) {
    await t.api('command', { text: '/sms senderid create' });
    const modal = await t.waitForState((s) => (s.modal?.view.callback_id ? s.modal : undefined), 'the Sender ID form');
    await t.api(`views/${modal.id}/submit`, { values: senderIdFormValues({ value, countries, samples: 'Your code is 1234' }) });
    const pending = await t.waitForState(
      (s) => s.emulator.pendingSenderIds.find((p: Item) => p.senderId === value),
      `${value} pending at the emulator`,
    );
    await t.api(`views/${modal.id}/close`, {});
    return pending;
  }

  it('rejects a Sender ID in a country: Wavix refuses it, and smsops records and announces the refusal', async () => {
    const pending = await requestSenderId('Rejecto', ['FR']);
    const rejected = await t.api(`sender-ids/${pending.id}/reject`, { country: 'FR', reason: 'Brand not registered' });
    expect(rejected.status).toBe(200);
    expect(t.sandbox.emulator.state().reviews.get(pending.id)?.rejected.get('FR')).toBe('Brand not registered');
    const state = await t.waitForState(
      (s) =>
        items(
          s,
          (i) =>
            i.channel === alertChannel && /Sender ID Rejecto was rejected in France \(FR\): Brand not registered/.test(i.text),
        ).length > 0
          ? s
          : undefined,
      'the rejection announcement',
    );
    expect(state.emulator.pendingSenderIds).toEqual([]);
    expect((await t.api(`sender-ids/${pending.id}/reject`, { country: 'fr' })).status).toBe(400);
  });

  it('sends 50 outbound SMS of which 5 fail, with delivery reports that reach smsops, so /sms traffic counts them', async () => {
    const sent = await t.api('outbound-traffic', { count: 50, failureRate: 0.1 });
    expect(sent.status).toBe(200);
    expect(sent.json).toMatchObject({ count: 50, failing: 5 });
    const outbound = t.sandbox.emulator.state().messages.filter((m) => m.direction === 'outbound');
    expect(outbound).toHaveLength(50);

    // The emulator's clock: past the sent and the final report of every message.
    await t.sandbox.emulator.clock.advance(10_000);
    const reports = await waitUntil(
      () => {
        const done = t.sandbox.emulator.state().webhookAttempts.filter((a) => a.event === 'DeliveryReport');
        return done.length >= 100 ? done : undefined;
      },
      10_000,
      'the delivery reports',
    );
    expect(reports.every((r) => r.status === 200 && r.url.includes('/webhooks/wavix/dlr/'))).toBe(true);
    const finals = outbound.map((m) => m.status);
    expect(finals.filter((s) => s === 'undelivered')).toHaveLength(5);
    expect(finals.filter((s) => s === 'delivered')).toHaveLength(45);
    expect(new Set(outbound.filter((m) => m.error_message).map((m) => m.error_message)).size).toBe(4);

    await t.api('command', { text: '/sms traffic 1h' });
    const report = await t.waitForState((s) => items(s, (i) => /^Traffic 1h: /.test(i.text ?? ''))[0], 'the traffic report');
    expect(report.text).toMatch(/^Traffic 1h: 50 sent, 5 failed, 0 inbound, delivery rate 90/);
  });

  it('sends a browser that opens the bare address to the console', async () => {
    const bare = await fetch(`${t.sandbox.url}/`, { redirect: 'manual' });
    expect(bare.status).toBe(302);
    expect(bare.headers.get('location')).toBe('/sandbox');
    expect((await fetch(`${t.sandbox.url}/?token=abc`, { redirect: 'manual' })).headers.get('location')).toBe(
      '/sandbox?token=abc',
    );
  });

  it('acts as a member who is not an admin: reads work, changes are refused in words', async () => {
    expect((await t.api('identity', { as: 'member' })).json).toEqual({ actingAs: 'member' });
    expect((await t.api('state')).json.actingAs).toBe('member');
    await t.api('command', { text: '/sms route set default http://127.0.0.1:9/x' });
    await t.waitForState((s) => replies(s, /Only the smsops admins \(SLACK_ADMIN_USERS\)/)[0], 'the refusal');
    await t.api('identity', { as: 'admin' });
    await t.api('command', { text: '/sms jobs' });
    const after = await t.waitForState((s) => s, 'state');
    expect(after.actingAs).toBe('admin');
    expect((await t.api('identity', { as: 'root' })).status).toBe(400);
  });
});
