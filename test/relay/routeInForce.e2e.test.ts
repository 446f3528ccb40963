import { describe, expect, it } from 'vitest';
import { postInbound, readable, runCommand, type SmsopsUnderTest } from '../helpers/smsopsUnderTest.js';
import { useSmsopsWithSinks } from '../helpers/smsopsWithSink.js';
import { waitUntil } from '../helpers/waitUntil.js';
import type { WebhookSink } from '../helpers/webhookSink.js';

/**
 * What Slack says of a route is where its SMS go: the relay falls back field by field to the `default` route, so a
 * number route naming only a channel still relays to the default PBX, and one naming only a URL is posted in the
 * default route's channel. Fixing one field of a route keeps the other. The real Bolt receiver, relay and PortSIP sinks.
 */

const UUID = 'a558d635-66e0-4c64-9d3b-2f5c1e7a8b90';
const TEAM_A = 'C0TEAMA001';
const TEAM_B = 'C0TEAMB001';

const rig = useSmsopsWithSinks();
const sink = rig.sink;

const texts = (s: WebhookSink) => s.received.map((r) => (r.json() as { message_body: { text: string } }).message_body.text);

/** The channels the relayed SMS with this text were posted in. */
const postedIn = (smsops: SmsopsUnderTest, text: string) =>
  smsops.fakeSlack
    .callsTo('chat.postMessage')
    .filter((c) => readable(c.args).includes(text))
    .map((c) => c.args.channel);

describe('a route as Slack describes it', () => {
  it('names the default route’s URL and channel where the route has none, in the answer and the list, as the relay uses them', async () => {
    const defaultPbx = await sink();
    const right = await sink();
    const smsops = await rig.start({ SLACK_RELAY_PACE_MS: '0' });
    await runCommand(smsops, `route set default ${defaultPbx.url}/emc/defaultpbx/${UUID} <#${TEAM_B}|team-b>`);

    const channelOnly = readable((await runCommand(smsops, `route set +14155550152 <#${TEAM_A}|team-a>`)).body);
    expect(channelOnly).toContain(
      `→ PortSIP \`${defaultPbx.url}/emc/defaultpbx/a558…\` (the \`default\` route’s) · posted in <#${TEAM_A}> ·`,
    );
    expect(channelOnly).not.toContain('no PortSIP relay');
    const urlOnly = readable((await runCommand(smsops, `route set +14155550153 ${right.url}/emc/right/${UUID}`)).body);
    expect(urlOnly).toContain(`→ PortSIP \`${right.url}/emc/right/a558…\` · posted in <#${TEAM_B}> (the \`default\` route’s) ·`);
    expect(urlOnly).not.toContain('the inbox channel');
    const list = readable((await runCommand(smsops, 'route list')).body);
    expect(list).toContain(`*+1 415 555 0152* → PortSIP \`${defaultPbx.url}/emc/defaultpbx/a558…\` (the \`default\` route’s)`);
    expect(list).toContain(`posted in <#${TEAM_B}> (the \`default\` route’s)`);

    // What the relay does with them: the same destinations.
    await postInbound(smsops, { to: '14155550152', text: 'to the channel-only route' });
    await postInbound(smsops, { to: '14155550153', text: 'to the url-only route' });
    await waitUntil(() => defaultPbx.received.length >= 1 && right.received.length >= 1, 5000, 'both relayed');
    await waitUntil(() => postedIn(smsops, 'url-only').length >= 1, 5000, 'both posted');
    expect(texts(defaultPbx)).toEqual(['to the channel-only route']);
    expect(texts(right)).toEqual(['to the url-only route']);
    expect(postedIn(smsops, 'channel-only')).toEqual([TEAM_A]);
    expect(postedIn(smsops, 'url-only')).toEqual([TEAM_B]);
  });

  it('keeps a number route’s channel when only its URL is fixed (and its URL when only the channel is), and clears one given as `default`', async () => {
    const wrong = await sink();
    const right = await sink();
    const smsops = await rig.start({ SLACK_RELAY_PACE_MS: '0' });
    await runCommand(smsops, `route set default ${wrong.url}/emc/defaultpbx/${UUID} <#${TEAM_B}|team-b>`);
    await runCommand(smsops, `route set +14155550152 ${wrong.url}/emc/wrong/${UUID} <#${TEAM_A}|team-a>`);
    const route = () => smsops.db.prepare("SELECT portsip_url, slack_channel FROM routes WHERE number = '+14155550152'").get();

    const fixed = readable((await runCommand(smsops, `route set +14155550152 ${right.url}/emc/right/${UUID}`)).body);
    expect(fixed).toContain(`posted in <#${TEAM_A}> ·`);
    expect(fixed).toContain(`Kept its channel <#${TEAM_A}> (not given).`);
    expect(route()).toEqual({ portsip_url: `${right.url}/emc/right/${UUID}`, slack_channel: TEAM_A });
    await postInbound(smsops, { to: '14155550152', text: 'after the url fix' });
    await waitUntil(() => postedIn(smsops, 'after the url fix').length >= 1, 5000, 'posted');
    expect(postedIn(smsops, 'after the url fix')).toEqual([TEAM_A]);

    const moved = readable((await runCommand(smsops, 'route set +14155550152 <#C0TEAMC001|team-c>')).body);
    expect(moved).toContain(`Kept its PortSIP URL \`${right.url}/emc/right/a558…\``);
    expect(route()).toEqual({ portsip_url: `${right.url}/emc/right/${UUID}`, slack_channel: 'C0TEAMC001' });

    // `default` in place of a field clears it: the default route decides, and the answer says so.
    const cleared = readable((await runCommand(smsops, `route set +14155550152 ${right.url}/emc/right/${UUID} default`)).body);
    expect(cleared).toContain(`posted in <#${TEAM_B}> (the \`default\` route’s)`);
    expect(route()).toEqual({ portsip_url: `${right.url}/emc/right/${UUID}`, slack_channel: null });
    const noUrl = readable((await runCommand(smsops, 'route set +14155550152 default <#C0TEAMC001|team-c>')).body);
    expect(noUrl).toContain(
      `→ PortSIP \`${wrong.url}/emc/defaultpbx/a558…\` (the \`default\` route’s) · posted in <#C0TEAMC001>`,
    );
    expect(route()).toEqual({ portsip_url: null, slack_channel: 'C0TEAMC001' });

    const removed = readable((await runCommand(smsops, 'route remove +14155550152')).body);
    expect(removed).toContain(
      `Its messages now go to: PortSIP \`${wrong.url}/emc/defaultpbx/a558…\` (the \`default\` route’s) · posted in <#${TEAM_B}> (the \`default\` route’s).`,
    );
  });

  it('warns, saving it all the same, when the route’s channel is archived or the bot is not in it', async () => {
    const smsops = await rig.start();
    smsops.fakeSlack.handle('conversations.info', ({ args }) =>
      args.channel === TEAM_A
        ? { channel: { id: TEAM_A, name: 'team-a', is_archived: true, is_member: true } }
        : { channel: { id: args.channel, name: 'team-b', is_member: false } },
    );
    const archived = readable((await runCommand(smsops, `route set +14155550152 <#${TEAM_A}|team-a>`)).body);
    expect(archived).toContain('Route saved');
    expect(archived).toContain('The channel is archived: nothing can be posted there');
    const notIn = readable((await runCommand(smsops, `route set +14155550153 <#${TEAM_B}|team-b>`)).body);
    expect(notIn).toContain('The bot is not a member, so it cannot post there');
    smsops.fakeSlack.handle('conversations.info', undefined);
    const fine = readable((await runCommand(smsops, `route set +14155550154 <#${TEAM_A}|team-a>`)).body);
    expect(fine).not.toContain(':warning:');
  });
});
