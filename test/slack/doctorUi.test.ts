import { describe, expect, it } from 'vitest';
import type { DoctorCheck, DoctorReport } from '../../src/core/doctor/types.js';
import { DOCTOR_ACTION } from '../../src/slack/ids.js';
import { doctorAllMessage, doctorMessage, ignoredNumbersMessage } from '../../src/slack/ui/doctor.js';
import { blockLimitError } from '../helpers/fakeSlack.js';
import { readable } from '../helpers/smsopsUnderTest.js';

describe('doctorMessage', () => {
  it('shows failures first and keeps within Slack’s 50 blocks, naming what it folds away', () => {
    const checks = Array.from({ length: 60 }, (_, i) => ({
      id: `number:${i}`,
      title: `Number ${i}`,
      status: 'ok' as const,
      reason: 'SMS enabled; inbound SMS active.',
    }));
    checks.push({
      id: 'webhook:default',
      title: 'Account default inbound webhook',
      status: 'failure' as never,
      reason: 'It is not set.',
    });
    const message = doctorMessage({ checks, counts: { ok: 60, warning: 0, failure: 1, skipped: 0 }, ignored: [] });
    expect(message.text).toBe('SMS doctor: 60 ok, 0 warnings, 1 failure');
    expect(message.blocks.length).toBeLessThanOrEqual(50);
    expect(readable(message.blocks[1])).toContain('Account default inbound webhook');
    expect(readable(message)).toContain('more that are fine: `/sms doctor all` lists them');
  });
});

describe('doctorMessage with two checks of one id', () => {
  // Wavix holding two records of one routed number gave two "inbound SMS is not active" checks of one id: two blocks
  // of one block_id, and Slack refused the whole report, so /sms doctor stayed at "Checking…" (a probe).
  it('lists both in a report Slack takes', () => {
    const check = (): DoctorCheck => ({
      id: 'number:+14155550100',
      title: 'Number +1 415 555 0100 (US)',
      status: 'failure',
      finding: 'inbound-inactive',
      reason: 'Inbound SMS is not active.',
      number: '+14155550100',
      fix: { actionId: 'enable_inbound', value: '+14155550100', label: 'Enable inbound SMS' },
    });
    const message = doctorMessage({
      checks: [check(), check()],
      counts: { ok: 0, warning: 0, failure: 2, skipped: 0 },
      ignored: [],
    });
    expect(message.blocks.filter((b) => b.type === 'actions')).toHaveLength(2);
    expect(blockLimitError(message.blocks)).toBeUndefined();
  });
});

describe('doctorMessage at any size', () => {
  const longReason = 'A reason that goes on and on. '.repeat(80);
  const checks: DoctorCheck[] = [
    ...Array.from(
      { length: 150 },
      (_, i): DoctorCheck => ({
        id: `relay:slack:C${i}`,
        title: `Relay to Slack channel C${i} ${'x'.repeat(200)}`,
        status: 'failure',
        reason: longReason,
      }),
    ),
    ...Array.from(
      { length: 400 },
      (_, i): DoctorCheck => ({
        id: `webhook:+1212555${i}`,
        title: `Inbound webhook of +1 212 555 ${i}`,
        status: 'failure',
        reason: 'No webhook.',
        number: `+1212555${i}`,
        finding: 'webhook-missing',
        fix: { actionId: 'point_webhook_at_smsops', value: `+1212555${i}`, label: 'Point webhook at smsops' },
      }),
    ),
    ...Array.from(
      { length: 200 },
      (_, i): DoctorCheck => ({
        id: `number:+4930${i}`,
        title: `Number +49 30 ${i} (DE)`,
        status: 'warning',
        reason: 'SMS is not enabled.',
        number: `+4930${i}`,
        finding: 'sms-not-enabled',
      }),
    ),
    ...Array.from(
      { length: 300 },
      (_, i): DoctorCheck => ({
        id: `number:+1312555${i}`,
        title: `Number +1 312 555 ${i} (US)`,
        status: 'ok',
        reason: 'Voice only.',
        number: `+1312555${i}`,
        finding: 'voice-only',
      }),
    ),
    ...Array.from(
      { length: 60 },
      (_, i): DoctorCheck => ({
        id: `channel:C${i}`,
        title: `Slack channel C${i}`,
        status: 'ok',
        reason: longReason,
      }),
    ),
  ];
  const report: DoctorReport = {
    checks,
    counts: { ok: 360, warning: 200, failure: 550, skipped: 0 },
    ignored: [{ number: '+12025550143', reason: '<!channel> ported', by: 'U0ADMIN001', at: 0 }],
  };

  it('keeps within Slack’s limits, failures first, saying what it leaves out and how to see it', () => {
    const message = doctorMessage(report, { notice: [{ type: 'section', text: { type: 'mrkdwn', text: 'Done.' } }] });
    expect(message.blocks.length).toBeLessThanOrEqual(50);
    expect(blockLimitError(message.blocks)).toBeUndefined();
    const text = readable(message);
    expect(readable(message.blocks[0])).toBe('section\nmrkdwn\nDone.');
    expect(text).toContain('more problems: `/sms doctor all` lists every finding.');
    expect(text).toContain('1 number ignored (not counted): `/sms doctor ignored` lists it.');
    const icons = message.blocks
      .map((b) => (b.type === 'section' ? /^:(x|warning|white_check_mark):/.exec(b.text?.text ?? '')?.[1] : undefined))
      .filter(Boolean);
    expect(icons[0]).toBe('x');
    expect(icons.lastIndexOf('x')).toBeLessThan(icons.indexOf('white_check_mark'));
  });

  it('says each kind once with its count when there is room for its items', () => {
    const message = doctorMessage({ ...report, checks: checks.filter((c) => c.finding) });
    expect(message.blocks.length).toBeLessThanOrEqual(50);
    expect(blockLimitError(message.blocks)).toBeUndefined();
    const text = readable(message);
    expect(text).toContain('400 SMS numbers have no inbound webhook');
    expect(text).toContain('…and 390 more: `/sms doctor all` lists every finding.');
    expect(text).toContain('200 routed numbers have no SMS');
    expect(text).toContain('300 numbers are voice-only (no SMS): expected for voice DIDs');
    const ignoreButtons = message.blocks.filter(
      (b) => b.type === 'actions' && b.elements.some((e) => 'action_id' in e && e.action_id === DOCTOR_ACTION.ignoreNumber),
    );
    expect(ignoreButtons.length).toBeGreaterThanOrEqual(10);
  });

  it('pages every finding, each page within the limits, and lists the ignored numbers escaped', () => {
    const first = doctorAllMessage(report, 1);
    const total = Number(/page 1 of (\d+)/.exec(first.text)?.[1]);
    expect(total).toBeGreaterThan(3);
    let all = '';
    for (let page = 1; page <= total; page++) {
      const message = doctorAllMessage(report, page);
      expect(message.blocks.length).toBeLessThanOrEqual(50);
      expect(blockLimitError(message.blocks)).toBeUndefined();
      all += readable(message);
    }
    for (const check of checks) expect(all).toContain(check.title.slice(0, 40));
    expect(readable(doctorAllMessage(report, total + 5))).toContain('this is the last');

    const ignored = readable(ignoredNumbersMessage(report.ignored));
    expect(ignored).toContain('+1 202 555 0143: ignored by <@U0ADMIN001> <!date^0^');
    expect(ignored).toContain('&lt;!channel&gt; ported');
    expect(ignored).not.toContain('<!channel>');
  });
});

describe('doctorMessage with hundreds of distinct problems', () => {
  it('keeps as many as fit and counts the rest', () => {
    const checks: DoctorCheck[] = Array.from({ length: 300 }, (_, i) => ({
      id: `channel:C${i}`,
      title: `Slack channel C${i}`,
      status: 'failure',
      reason: 'The bot is not a member, so it cannot post there.',
    }));
    const message = doctorMessage({ checks, counts: { ok: 0, warning: 0, failure: 300, skipped: 0 }, ignored: [] });
    expect(message.blocks.length).toBeLessThanOrEqual(50);
    expect(blockLimitError(message.blocks)).toBeUndefined();
    const listed = message.blocks.filter((b) => b.block_id?.startsWith('doctor:channel:')).length;
    expect(listed).toBeGreaterThan(40);
    expect(readable(message)).toContain(`…and ${300 - listed} more problems: \`/sms doctor all\` lists every finding.`);
  });
});
