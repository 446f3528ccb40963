import { describe, expect, it } from 'vitest';
import { pressForAnswer } from '../helpers/buttonPress.js';
import { ADMIN, OUTSIDER, postInbound, readable, runCommand } from '../helpers/smsopsUnderTest.js';
import { useSmsopsWithSinks } from '../helpers/smsopsWithSink.js';
import { waitUntil } from '../helpers/waitUntil.js';
import type { WebhookSink } from '../helpers/webhookSink.js';

/**
 * A tired admin overwrites or removes the right route. Slack shows route URLs masked (PortSIP's UUID cut), so the
 * right one could not be copied back from anywhere in Slack: the answer says what it replaced and "Put back" restores
 * it, with the SMS queued meanwhile. The real process, Bolt receiver, relay and PortSIP sinks.
 */
const UUID = 'a558d635-66e0-4c64-9d3b-2f5c1e7a8b90';
const TEAM_A = 'C0TEAMA001';
const rig = useSmsopsWithSinks();

// biome-ignore lint/suspicious/noExplicitAny: Slack message bodies are walked structurally
const undoValue = (body: any): string => {
  const actions = (body.blocks ?? []).filter((b: { type: string }) => b.type === 'actions');
  const element = actions
    .flatMap((b: { elements: unknown[] }) => b.elements)
    .find((e: { action_id: string }) => e.action_id === 'route_undo');
  expect(element, 'a Put back button').toBeDefined();
  return element.value;
};
const texts = (s: WebhookSink) => s.received.map((r) => (r.json() as { message_body: { text: string } }).message_body.text);

describe('putting back a route changed by mistake', () => {
  it('shows the overwritten route and puts it back with one press, the SMS queued for the wrong PBX moved back', async () => {
    const right = await rig.sink();
    const smsops = await rig.start({ SLACK_RELAY_PACE_MS: '0' });
    const rightUrl = `${right.url}/emc/right/${UUID}`;
    await runCommand(smsops, `route set default ${rightUrl} <#${TEAM_A}|team-a>`);
    // The typo'd host never answers (nothing listens there): its SMS wait, queued for it.
    const typo = await runCommand(smsops, `route set default http://127.0.0.1:9/emc/x/${UUID}`);
    const answer = readable(typo.body);
    expect(answer).toContain(`Replaced: PortSIP \`${right.url}/emc/right/a558…\` · channel <#${TEAM_A}> (set by <@${ADMIN}>).`);
    expect(answer).not.toContain(UUID);
    const token = undoValue(typo.body);
    expect(token).not.toContain(UUID);

    await postInbound(smsops, { to: '14155550152', text: 'sent while wrong' });
    await new Promise((r) => setTimeout(r, 300));
    expect(right.received.length).toBe(0);

    // A member who is no admin cannot put it back.
    expect(await pressForAnswer(smsops, 'route_undo', token, OUTSIDER)).toMatch(/admin/i);
    const back = await pressForAnswer(smsops, 'route_undo', token, ADMIN);
    expect(back).toContain('Route saved');
    expect(back).toContain('1 queued delivery (pending or dead) moved to this route');
    await waitUntil(() => right.received.length >= 1, 5000, 'the SMS at the right PBX');
    expect(texts(right)).toEqual(['sent while wrong']);
    expect(smsops.db.prepare("SELECT portsip_url, slack_channel FROM routes WHERE number = 'default'").get()).toEqual({
      portsip_url: rightUrl,
      slack_channel: TEAM_A,
    });
    // Pressed again: nothing more, said so.
    expect(await pressForAnswer(smsops, 'route_undo', token, ADMIN)).toContain('already as it was before');
    const audit = readable((await runCommand(smsops, 'audit 3')).body);
    expect(audit).toContain(`PortSIP \`http://127.0.0.1:9/emc/x/a558…\` → \`${right.url}/emc/right/a558…\``);
  });

  it('puts back a route removed by mistake, and removes a route set on the wrong number; never over a later change', async () => {
    const right = await rig.sink();
    const smsops = await rig.start({ SLACK_RELAY_PACE_MS: '0' });
    const rightUrl = `${right.url}/emc/right/${UUID}`;
    await runCommand(smsops, `route set +14155550152 ${rightUrl} <#${TEAM_A}|team-a>`);
    const removed = await runCommand(smsops, 'route remove +14155550152');
    expect(readable(removed.body)).toContain(`Removed: PortSIP \`${right.url}/emc/right/a558…\` · channel <#${TEAM_A}>`);
    const back = await pressForAnswer(smsops, 'route_undo', undoValue(removed.body), ADMIN);
    expect(back).toContain('Route saved');
    expect(smsops.db.prepare("SELECT portsip_url FROM routes WHERE number = '+14155550152'").get()).toEqual({
      portsip_url: rightUrl,
    });

    const wrongNumber = await runCommand(smsops, `route set +14155550199 ${rightUrl}`);
    expect(readable(wrongNumber.body)).toContain('There was no route for +1 415 555 0199 before');
    const token = undoValue(wrongNumber.body);
    // A colleague fixes it differently meanwhile: the old button must not undo their change.
    await runCommand(smsops, `route set +14155550199 <#${TEAM_A}|team-a>`);
    expect(await pressForAnswer(smsops, 'route_undo', token, ADMIN)).toContain('changed again since');
    expect(smsops.db.prepare("SELECT count(*) AS n FROM routes WHERE number = '+14155550199'").get()).toEqual({ n: 1 });
  });
});
