import { describe, expect, it } from 'vitest';
import { OUTSIDER, postInbound, readable, runCommand } from '../helpers/smsopsUnderTest.js';
import { useSmsopsWithSinks } from '../helpers/smsopsWithSink.js';
import { waitUntil } from '../helpers/waitUntil.js';

/**
 * A wrong route whose PBX accepts (2xx) moves nothing when it is fixed: the SMS it took must be findable afterwards.
 * `/sms audit` says what each route change replaced, and `/sms inbox` where each SMS was delivered. Real Bolt receiver,
 * real relay, local PortSIP sinks.
 */

const UUID = 'a558d635-66e0-4c64-9d3b-2f5c1e7a8b90';
const OTHER_UUID = 'ffff0000-1111-2222-3333-444455556666';
const TEAM_A = 'C0TEAMA001';
const TEAM_B = 'C0TEAMB001';

const rig = useSmsopsWithSinks();
const sink = rig.sink;

describe('SMS a wrong but accepting PBX took', () => {
  it('are found afterwards: the audit names the URLs and channels each change replaced, the inbox where each SMS went', async () => {
    const right = await sink();
    const other = await sink();
    const smsops = await rig.start({ SLACK_RELAY_PACE_MS: '0' });
    const rightUrl = `${right.url}/emc/right/${UUID}`;
    await runCommand(smsops, `route set +14155550155 ${rightUrl} <#${TEAM_A}|team-a>`);
    await runCommand(smsops, `route set +14155550155 ${other.url}/emc/otherpbx/${OTHER_UUID} <#${TEAM_B}|team-b>`);
    await postInbound(smsops, { to: '14155550155', text: 'taken by the wrong PBX 1' });
    await postInbound(smsops, { to: '14155550155', text: 'taken by the wrong PBX 2' });
    await waitUntil(() => other.received.length === 2, 5000, 'both taken by the wrong PBX');
    await waitUntil(
      () => (smsops.db.prepare("SELECT count(*) AS n FROM deliveries WHERE status = 'delivered'").get() as { n: number }).n === 4,
      5000,
      'both delivered to PortSIP and Slack',
    );
    const fix = readable((await runCommand(smsops, `route set +14155550155 ${rightUrl} <#${TEAM_A}|team-a>`)).body);
    expect(fix).toContain('Route saved');
    expect(fix).not.toContain('moved');

    const audit = readable((await runCommand(smsops, 'audit 3')).body);
    const otherMasked = `\`${other.url}/emc/otherpbx/ffff…\``;
    const rightMasked = `\`${right.url}/emc/right/a558…\``;
    expect(audit).toContain(
      `route.set\` \`+14155550155\`: ok — PortSIP ${otherMasked} → ${rightMasked}; Slack <#${TEAM_B}> → <#${TEAM_A}>`,
    );
    expect(audit).toContain(
      `route.set\` \`+14155550155\`: ok — PortSIP ${rightMasked} → ${otherMasked}; Slack <#${TEAM_A}> → <#${TEAM_B}>`,
    );
    expect(audit).toContain(`route.set\` \`+14155550155\`: ok — PortSIP none → ${rightMasked}; Slack none → <#${TEAM_A}>`);
    // Stored masked too: the audit log never holds the route's UUID.
    const params = smsops.db.prepare("SELECT params FROM audit_log WHERE action = 'route.set'").all() as { params: string }[];
    expect(params.map((p) => p.params).join()).not.toMatch(new RegExp(`${UUID}|${OTHER_UUID}`));

    const inbox = readable((await runCommand(smsops, 'inbox +14155550155')).body);
    expect(inbox.split(`PortSIP to ${otherMasked}: delivered `)).toHaveLength(3);
    expect(inbox.split(`Slack in <#${TEAM_B}>: delivered `)).toHaveLength(3);
    expect(`${audit}\n${inbox}`).not.toMatch(new RegExp(`${UUID}|${OTHER_UUID}`));
    // Someone who may not read these messages is not told where they went either.
    const outsider = readable((await runCommand(smsops, 'inbox', { userId: OUTSIDER })).body);
    expect(outsider).toContain('PortSIP: delivered');
    expect(outsider).not.toContain('otherpbx');
    expect(outsider).not.toContain(`Slack in <#${TEAM_B}>`);
  });
});
