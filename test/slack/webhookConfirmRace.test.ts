import { describe, expect, it } from 'vitest';
import { ACTION } from '../../src/slack/ids.js';
import { ADMIN, readable, runCommand, type SmsopsUnderTest } from '../helpers/smsopsUnderTest.js';
import { useSmsops } from '../helpers/smsopsWithSink.js';
import { waitUntil } from '../helpers/waitUntil.js';

/**
 * The "Replace" confirmation promises that only the URL it showed is replaced. Two admins shown the same URL, each
 * confirming their own replacement at the same moment while Wavix takes its time to write: one is written, the other is
 * told in words that the webhook changed since it was shown, and nothing of theirs reaches Wavix.
 */

const ADMIN_B = 'U0ADMIN002';
const PORTSIP = 'https://pbx-p.example.com:8887/emc/Wavix/pppp';
const X = 'https://pbx-x.example.com:8887/emc/Wavix/xxxx';
const Y = 'https://pbx-y.example.com:8887/emc/Wavix/yyyy';

const rig = useSmsops();
let t: SmsopsUnderTest | undefined;

// biome-ignore lint/suspicious/noExplicitAny: Slack message bodies are asserted structurally
const replaceButton = (body: any): { value: string } =>
  body.blocks
    .filter((b: { type: string }) => b.type === 'actions')
    .flatMap((b: { elements: Array<{ action_id: string; value: string }> }) => b.elements)
    .find((b: { action_id: string }) => b.action_id === ACTION.confirmWebhook);

interface Target {
  name: string;
  /** As each admin types it: one number may be typed two ways. */
  typed: [string, string];
  label: string;
  write: { method: string; path: string };
  current(smsops: SmsopsUnderTest): string | null | undefined;
  place(smsops: SmsopsUnderTest, url: string): void;
}

const number101 = (smsops: SmsopsUnderTest) => {
  const found = smsops.emulator.state().numbers.find((n) => n.id === 101);
  if (!found) throw new Error('the emulator has no number 101');
  return found;
};

const TARGETS: Target[] = [
  {
    name: 'the account default',
    typed: ['default', 'default'],
    label: 'the account default',
    write: { method: 'PUT', path: '/v1/profile' },
    current: (smsops) => smsops.emulator.state().profile.sms_relay_url,
    place: (smsops, url) => {
      smsops.emulator.state().profile.sms_relay_url = url;
    },
  },
  {
    name: 'one number',
    typed: ['+1 415 555 0100', '(415) 555-0100'],
    label: '+1 415 555 0100',
    write: { method: 'PATCH', path: '/v1/numbers/101' },
    current: (smsops) => number101(smsops).sms_relay_url,
    place: (smsops, url) => {
      number101(smsops).sms_relay_url = url;
    },
  },
];

describe('two "Replace" confirmations of one webhook at once', () => {
  it.each(TARGETS)('writes one to Wavix and refuses the other as outdated, each admin told which: $name', async (target) => {
    t = await rig.start({ SLACK_ADMIN_USERS: `${ADMIN},${ADMIN_B}` });
    const smsops = t;
    target.place(smsops, PORTSIP);
    const askA = await runCommand(smsops, `webhook set ${target.typed[0]} ${X}`, { userId: ADMIN });
    const askB = await runCommand(smsops, `webhook set ${target.typed[1]} ${Y}`, { userId: ADMIN_B });
    for (const ask of [askA, askB]) expect(readable(ask.body)).toContain(`Replace the webhook of ${target.label}?`);

    smsops.emulator.injectFault({ ...target.write, latencyMs: 150, times: 2 });
    const press = (user: string, value: string, path: string) =>
      smsops.slack.blockAction({
        actionId: ACTION.confirmWebhook,
        value,
        userId: user,
        responseUrl: `${smsops.fakeSlack.responseUrl}${path}`,
      });
    await Promise.all([
      press(ADMIN, replaceButton(askA.body).value, 'ok-a'),
      press(ADMIN_B, replaceButton(askB.body).value, 'ok-b'),
    ]);
    const told = (path: string) =>
      waitUntil(() => smsops.fakeSlack.responses.find((r) => r.path === `/response/${path}`), 5000, `the answer on ${path}`);
    const [a, b] = [readable((await told('ok-a')).body), readable((await told('ok-b')).body)];

    const writes = smsops.emulator.requests().filter((r) => r.method === target.write.method && r.path === target.write.path);
    expect(writes).toHaveLength(1);
    const [won, lost] = a.includes('updated on Wavix') ? [a, b] : [b, a];
    expect(won).toContain('updated on Wavix');
    expect(lost).toContain('changed since you were asked to confirm; nothing was changed');
    expect(target.current(smsops)).toBe(won === a ? X : Y);
    const audit = smsops.db
      .prepare("SELECT actor, outcome FROM audit_log WHERE action = 'webhook.set' AND outcome != 'refused' ORDER BY id")
      .all() as Array<{ actor: string; outcome: string }>;
    expect(audit.map((e) => e.outcome).sort()).toEqual(['failed', 'ok']);
    expect(audit.find((e) => e.outcome === 'ok')?.actor).toBe(won === a ? ADMIN : ADMIN_B);
  });
});
