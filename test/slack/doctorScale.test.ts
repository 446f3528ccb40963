import { afterEach, describe, expect, it } from 'vitest';
import { DOCTOR_ACTION } from '../../src/slack/ids.js';
import { blockLimitError } from '../helpers/fakeSlack.js';
import {
  ADMIN,
  OUTSIDER,
  readable,
  runCommand,
  type SmsopsUnderTest,
  startSmsopsUnderTest,
  stopCheckingSecrets,
} from '../helpers/smsopsUnderTest.js';

/**
 * Doctor on a PBX's account: 300 voice DIDs besides the seed's numbers, a dozen of them SMS-enabled without a webhook,
 * and one routed number with inbound SMS off. The real problems must come first, each kind said once, and the message
 * must be one Slack accepts.
 */

let t: SmsopsUnderTest;
afterEach(async () => {
  await stopCheckingSecrets(t);
});

const WASHINGTON = '+12025550143';
const PBX_DIDS = 300;
/** Of the PBX's DIDs, these have SMS (inbound active) and no webhook: the account default is not set either. */
const SMS_WITHOUT_WEBHOOK = 12;

// biome-ignore lint/suspicious/noExplicitAny: Slack message bodies are asserted structurally
type Body = any;

async function startPbx(): Promise<SmsopsUnderTest> {
  const started = await startSmsopsUnderTest({}, { emulator: { pbxDids: PBX_DIDS } });
  const dids = started.emulator.state().numbers.filter((n) => n.id >= 1000);
  for (const did of dids.slice(0, SMS_WITHOUT_WEBHOOK)) did.sms_enabled = true;
  // smsops routes SMS for Washington, whose inbound SMS is off.
  const routed = await runCommand(started, `route set ${WASHINGTON} C0INBOX001`);
  expect(readable(routed.body)).not.toMatch(/could not|not a/i);
  return started;
}

/** Runs `/sms doctor …` and returns the message that replaced its “Checking…”. */
async function doctor(text = 'doctor', userId = ADMIN): Promise<Body> {
  const before = t.fakeSlack.responses.length;
  await t.slack.command(text, { userId });
  const all = await t.fakeSlack.waitForResponses(before + 2, 20_000);
  return all[before + 1]?.body;
}

const STATUS_RANK: Record<string, number> = { ':x:': 0, ':warning:': 1, ':white_check_mark:': 2, ':heavy_minus_sign:': 3 };

/** The status icon each block starts with, in order (blocks without one are skipped). */
const statusIcons = (body: Body): number[] =>
  body.blocks
    .map((b: Body) =>
      b.type === 'section' ? /^(:x:|:warning:|:white_check_mark:|:heavy_minus_sign:)/.exec(b.text.text)?.[1] : undefined,
    )
    .filter(Boolean)
    .map((icon: string) => STATUS_RANK[icon]);

/** The failure count of a report's summary line. */
const failures = (body: Body): number => Number(/SMS doctor\*: \d+ ok, \d+ warnings?, (\d+) failures?/.exec(readable(body))?.[1]);

function withinSlackLimits(body: Body): void {
  expect(body.blocks.length).toBeLessThanOrEqual(50);
  expect(blockLimitError(body.blocks)).toBeUndefined();
  for (const block of body.blocks) if (block.type === 'section') expect(block.text.text.length).toBeLessThanOrEqual(3000);
  const blockIds = body.blocks.map((b: Body) => b.block_id).filter(Boolean);
  expect(new Set(blockIds).size).toBe(blockIds.length);
}

/** Every page of `/sms doctor all`, each within Slack's limits, as one text. */
async function everyPage(): Promise<string> {
  const first = await doctor('doctor all');
  withinSlackLimits(first);
  const total = Number(/page 1 of (\d+)/.exec(readable(first.blocks[0]))?.[1] ?? 1);
  let everything = readable(first);
  for (let page = 2; page <= total; page++) {
    const next = await doctor(`doctor all ${page}`);
    withinSlackLimits(next);
    everything += readable(next);
  }
  return everything;
}

describe('/sms doctor on a PBX with hundreds of DIDs', () => {
  it('lists failures first, says each kind once with its count, caps the list with “and N more”, and fits Slack', async () => {
    t = await startPbx();
    const report = await doctor();
    withinSlackLimits(report);
    const text = readable(report);

    // Every number was read, page by page as Wavix serves them.
    const pages = t.emulator.requests().filter((r) => r.path.startsWith('/v1/numbers') && r.method === 'GET');
    expect(pages.length).toBeGreaterThanOrEqual(4);

    // Failures, then warnings, then what is fine.
    const ranks = statusIcons(report);
    expect(ranks[0]).toBe(0);
    expect(ranks).toEqual([...ranks].sort((a, b) => a - b));

    // One line per kind: 288 PBX DIDs + the seed's GB, DE and NL numbers are voice DIDs, said once.
    const voiceOnly = report.blocks.filter((b: Body) => readable(b).includes('voice-only (no SMS)'));
    expect(voiceOnly).toHaveLength(1);
    expect(readable(voiceOnly[0])).toContain(
      `${PBX_DIDS - SMS_WITHOUT_WEBHOOK + 3} numbers are voice-only (no SMS): expected for voice DIDs`,
    );
    const noWebhook = report.blocks.filter((b: Body) => readable(b).includes('SMS numbers have no inbound webhook'));
    expect(noWebhook).toHaveLength(1);
    // The 12 DIDs plus the seed's San Francisco and Ottawa numbers: 10 listed with their buttons, 4 counted.
    expect(readable(noWebhook[0])).toContain('14 SMS numbers have no inbound webhook');
    expect(text).toContain('…and 4 more: `/sms doctor all` lists every finding.');
    expect(text).toContain('It is not set: inbound SMS to the 14 numbers without a webhook of their own go nowhere.');
    const listed = report.blocks.filter((b: Body) => b.type === 'section' && b.block_id?.startsWith('doctor:webhook:+'));
    expect(listed).toHaveLength(10);
    // The routed number without inbound SMS is a failure of its own, with its fix and an ignore button.
    expect(text).toContain('Number +1 202 555 0143 (US)');
    const actions = report.blocks.find((b: Body) => b.block_id === `doctor-act:number:${WASHINGTON}`);
    expect(actions.elements.map((e: Body) => e.action_id)).toEqual([DOCTOR_ACTION.fixEnableInbound, DOCTOR_ACTION.ignoreNumber]);
    // No voice DID is listed one by one.
    expect(report.blocks.filter((b: Body) => b.block_id?.startsWith('doctor:number:'))).toHaveLength(1);
  });

  it('lists every finding page by page with `/sms doctor all`', async () => {
    t = await startPbx();
    const everything = await everyPage();
    expect(everything).toContain('(page 1 of 2)');
    expect(everything).toContain('`/sms doctor all 2` shows the next page.');
    // Every DID is named somewhere in the pages.
    for (const did of t.emulator.state().numbers) {
      const [, area, rest] = /^1(\d{3})(\d{7})$/.exec(did.number) ?? [];
      if (area && rest) expect(everything).toContain(`+1 ${area} ${rest.slice(0, 3)} ${rest.slice(3)}`);
    }
  });
});

describe('ignoring a number', () => {
  const auditOf = (action: string) =>
    t.db.prepare('SELECT actor, target, params, outcome FROM audit_log WHERE action = ? ORDER BY id').all(action) as Array<{
      actor: string;
      target: string;
      params: string;
      outcome: string;
    }>;

  it('through the commands: admins only, audited, listed, not counted, and undone', async () => {
    t = await startPbx();
    // Washington, the 14 SMS numbers without a webhook, the account default they rely on, and PUBLIC_BASE_URL (not
    // reachable from the test).
    expect(failures(await doctor())).toBe(17);

    const refused = await runCommand(t, 'doctor ignore +1 202 555 0143 voice DID', { userId: OUTSIDER });
    expect(readable(refused.body)).toContain('Only the smsops admins');
    expect(t.db.prepare('SELECT count(*) AS n FROM doctor_ignored_numbers').get()).toEqual({ n: 0 });

    const ignored = await runCommand(t, 'doctor ignore +1 202 555 0143 voice DID, ported away in May');
    expect(readable(ignored.body)).toContain('+1 202 555 0143 is now ignored by doctor (voice DID, ported away in May)');
    expect(t.db.prepare('SELECT number, reason, ignored_by FROM doctor_ignored_numbers').all()).toEqual([
      { number: WASHINGTON, reason: 'voice DID, ported away in May', ignored_by: ADMIN },
    ]);
    expect(auditOf('doctor.ignore')).toEqual([
      { actor: OUTSIDER, target: WASHINGTON, params: JSON.stringify({ reason: 'voice DID' }), outcome: 'refused' },
      { actor: ADMIN, target: WASHINGTON, params: JSON.stringify({ reason: 'voice DID, ported away in May' }), outcome: 'ok' },
    ]);

    const list = await runCommand(t, 'doctor ignored');
    expect(readable(list.body)).toContain('+1 202 555 0143: ignored by <@U0ADMIN001> <!date^');
    expect(readable(list.body)).toContain('voice DID, ported away in May');

    const after = await doctor();
    expect(failures(after)).toBe(16);
    expect(readable(after)).toContain('1 number ignored (not counted): `/sms doctor ignored` lists it.');
    expect(after.blocks.find((b: Body) => b.block_id === `doctor:number:${WASHINGTON}`)).toBeUndefined();
    // Still visible on request.
    const all = await everyPage();
    expect(all).toContain('Findings of ignored numbers (not counted)');
    expect(all).toContain('Number +1 202 555 0143 (US): Inbound SMS is not active');

    const undone = await runCommand(t, 'doctor unignore 202-555-0143');
    expect(readable(undone.body)).toContain('+1 202 555 0143 is counted by doctor again.');
    expect(auditOf('doctor.unignore')).toEqual([{ actor: ADMIN, target: WASHINGTON, params: '{}', outcome: 'ok' }]);
    expect(failures(await doctor())).toBe(17);
  });

  it('answers a number it cannot read with the usage', async () => {
    t = await startSmsopsUnderTest();
    for (const text of ['doctor ignore +1 999', 'doctor ignore', 'doctor unignore nonsense', 'doctor ignore voice DID']) {
      const answer = await runCommand(t, text);
      expect(answer.viaAck).toBe(true);
      expect(readable(answer.body)).toContain('/sms doctor ignore');
    }
    expect(readable((await runCommand(t, 'doctor ignore +1 999')).body)).toContain('is not a phone number smsops can use');
    expect(t.db.prepare('SELECT count(*) AS n FROM audit_log').get()).toEqual({ n: 0 });
  });

  it('through the button on a finding: ignored, audited, and the report refreshed without it', async () => {
    t = await startPbx();
    const report = await doctor();
    expect(failures(report)).toBe(17);
    const actions = report.blocks.find((b: Body) => b.block_id === `doctor-act:number:${WASHINGTON}`);
    const ignore = actions.elements.find((e: Body) => e.action_id === DOCTOR_ACTION.ignoreNumber);
    expect(ignore.value).toBe(WASHINGTON);

    const before = t.fakeSlack.responses.length;
    await t.slack.blockAction({
      actionId: ignore.action_id,
      value: ignore.value,
      blockId: actions.block_id,
      userId: ADMIN,
      isEphemeral: true,
    });
    const refreshed = (await t.fakeSlack.waitForResponses(before + 1, 20_000))[before]?.body;
    expect(refreshed.replace_original).toBe(true);
    withinSlackLimits(refreshed);
    expect(readable(refreshed.blocks[0])).toContain('+1 202 555 0143 is now ignored by doctor');
    expect(failures(refreshed)).toBe(16);
    expect(readable(refreshed)).toContain('1 number ignored');
    expect(t.db.prepare('SELECT number, reason, ignored_by FROM doctor_ignored_numbers').all()).toEqual([
      { number: WASHINGTON, reason: null, ignored_by: ADMIN },
    ]);
    expect(auditOf('doctor.ignore')).toEqual([
      { actor: ADMIN, target: WASHINGTON, params: JSON.stringify({ reason: null }), outcome: 'ok' },
    ]);
  });
});
