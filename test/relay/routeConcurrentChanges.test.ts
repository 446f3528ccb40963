import { afterEach, describe, expect, it } from 'vitest';
import { maskUrl } from '../../src/core/urls.js';
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
import { webhookSinks } from '../helpers/webhookSink.js';

/**
 * Two admins changing one route at once, one of them naming its channel as a plain `#name` (a conversations.list
 * lookup Slack answers slowly): the last change wins whole. The stored route, the queued SMS, each admin's answer and
 * the audit entries, read one after another, all tell the same story. The real Bolt receiver, relay and PortSIP sinks.
 */

const ADMIN_B = 'U0ADMIN002';
const UUID = 'a558d635-66e0-4c64-9d3b-2f5c1e7a8b90';
const TEAM_A = 'C0TEAMA001';
const TEAM_B = 'C0TEAMB001';
const NUMBER = '+14155550100';

let t: SmsopsUnderTest | undefined;
const sinks = webhookSinks();

afterEach(async () => {
  if (t) {
    await stopCheckingSecrets(t);
    t = undefined;
  }
  await sinks.closeAll();
});

interface RouteEntry {
  action: string;
  actor: string;
  outcome: string;
  params: {
    portsipUrlBefore: string | null;
    portsipUrl: string | null;
    slackChannelBefore: string | null;
    slackChannel: string | null;
  };
}

const routeAudit = (smsops: SmsopsUnderTest): RouteEntry[] =>
  (
    smsops.db
      .prepare("SELECT action, actor, outcome, params FROM audit_log WHERE action LIKE 'route.%' AND target = ? ORDER BY at, id")
      .all(NUMBER) as Array<Omit<RouteEntry, 'params'> & { params: string }>
  ).map((row) => ({ ...row, params: JSON.parse(row.params) }));

/** Each entry starts where the one listed before it left the route: what /sms audit reads as the route's history. */
function expectUnbrokenChain(entries: RouteEntry[]): void {
  for (let i = 1; i < entries.length; i++) {
    const [previous, entry] = [entries[i - 1]?.params, entries[i]?.params];
    expect({ portsipUrl: entry?.portsipUrlBefore, slackChannel: entry?.slackChannelBefore }, `audit entry ${i}`).toEqual({
      portsipUrl: previous?.portsipUrl,
      slackChannel: previous?.slackChannel,
    });
  }
}

const storedRoute = (smsops: SmsopsUnderTest) =>
  smsops.db.prepare('SELECT portsip_url, slack_channel FROM routes WHERE number = ?').get(NUMBER);

/** Admin A's `route set` naming #team-b, sent while Slack holds conversations.list; resolves with A's answer. */
async function channelByNameHeldBySlack(smsops: SmsopsUnderTest): Promise<{ answer: () => Promise<string> }> {
  const lookups = smsops.fakeSlack.callsTo('conversations.list').length;
  const release = smsops.fakeSlack.hang('conversations.list');
  const path = '/response/admin-a';
  const sent = smsops.slack.command(`route set ${NUMBER} #team-b`, {
    userId: ADMIN,
    responseUrl: `${smsops.fakeSlack.responseUrl}admin-a`,
  });
  await waitUntil(() => smsops.fakeSlack.callsTo('conversations.list').length > lookups, 5000, 'A’s channel lookup at Slack');
  return {
    // Slack answers the lookup once asked for A's answer: after B's change.
    answer: async () => {
      release();
      const ack = await sent;
      if (ack.json) return readable(ack.json);
      const response = await waitUntil(
        () => smsops.fakeSlack.responses.find((r) => r.path === path),
        5000,
        'A’s answer on its response_url',
      );
      return readable(response.body);
    },
  };
}

describe('one route changed by two admins at once', () => {
  it('keeps the other admin’s URL, set while the channel was looked up, with the SMS it moved there', async () => {
    const oldPbx = await sinks.start();
    const newPbx = await sinks.start();
    oldPbx.respondWith(503);
    t = await startSmsopsUnderTest({ SLACK_ADMIN_USERS: `${ADMIN},${ADMIN_B}`, RELAY_RETRY_BASE_MS: '20000' });
    const smsops = t;
    smsops.fakeSlack.seedChannels([{ id: TEAM_B, name: 'team-b' }]);
    const oldUrl = `${oldPbx.url}/emc/old/${UUID}`;
    const newUrl = `${newPbx.url}/emc/new/${UUID}`;
    await runCommand(smsops, `route set ${NUMBER} ${oldUrl} <#${TEAM_A}|team-a>`);
    expect((await postInbound(smsops, { to: NUMBER.slice(1), text: 'queued behind the old PBX' })).status).toBe(200);
    await waitUntil(() => oldPbx.received.length >= 1, 5000, 'the first attempt failing at the old PBX');

    const a = await channelByNameHeldBySlack(smsops);
    const b = readable((await runCommand(smsops, `route set ${NUMBER} ${newUrl}`, { userId: ADMIN_B })).body);
    const answerA = await a.answer();

    // A gave only the channel: the URL kept is B's, as the route had it when A's change was written.
    expect(storedRoute(smsops)).toEqual({ portsip_url: newUrl, slack_channel: TEAM_B });
    expect(b).toContain('1 queued delivery (pending or dead) moved to this route');
    expect(answerA).toContain(`Kept its PortSIP URL \`${newPbx.url}/emc/new/a558…\``);
    expect(answerA).toContain(`posted in <#${TEAM_B}>`);
    expect(answerA).not.toContain('/emc/old/');
    const delivery = await waitUntil(
      () =>
        smsops.db
          .prepare("SELECT destination, status FROM deliveries WHERE destination_kind = 'portsip' AND status = 'delivered'")
          .get() as { destination: string } | undefined,
      5000,
      'the queued SMS delivered',
    );
    expect(delivery.destination).toBe(newUrl);
    expect(newPbx.received).toHaveLength(1);
    expect(oldPbx.received).toHaveLength(1);

    const audit = routeAudit(smsops);
    expect(audit.map((e) => [e.actor, e.outcome])).toEqual([
      [ADMIN, 'ok'],
      [ADMIN_B, 'ok'],
      [ADMIN, 'ok'],
    ]);
    expectUnbrokenChain(audit);
    expect(audit.at(-1)?.params).toMatchObject({ portsipUrl: maskUrl(newUrl), slackChannel: TEAM_B });
  });

  it('saves only the channel after a removal made while the channel was looked up, and says so', async () => {
    const oldPbx = await sinks.start();
    t = await startSmsopsUnderTest({ SLACK_ADMIN_USERS: `${ADMIN},${ADMIN_B}` });
    const smsops = t;
    smsops.fakeSlack.seedChannels([{ id: TEAM_B, name: 'team-b' }]);
    await runCommand(smsops, `route set ${NUMBER} ${oldPbx.url}/emc/old/${UUID} <#${TEAM_A}|team-a>`);

    const a = await channelByNameHeldBySlack(smsops);
    const b = readable((await runCommand(smsops, `route remove ${NUMBER}`, { userId: ADMIN_B })).body);
    const answerA = await a.answer();

    expect(b).toContain('Route removed');
    // The removal took the URL away; A's change, written after it, names its channel alone.
    expect(storedRoute(smsops)).toEqual({ portsip_url: null, slack_channel: TEAM_B });
    expect(answerA).toContain('Route saved');
    expect(answerA).toContain(`no PortSIP relay · posted in <#${TEAM_B}>`);
    expect(answerA).not.toContain('/emc/old/');
    const audit = routeAudit(smsops);
    expect(audit.map((e) => [e.action, e.actor])).toEqual([
      ['route.set', ADMIN],
      ['route.remove', ADMIN_B],
      ['route.set', ADMIN],
    ]);
    expectUnbrokenChain(audit);
    expect(audit.at(-1)?.params).toMatchObject({ portsipUrl: null, slackChannel: TEAM_B });
  });
});
