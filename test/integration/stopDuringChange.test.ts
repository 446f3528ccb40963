import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startWavixEmulator, type WavixEmulator } from '../../src/sandbox/emulator/server.js';
import { CALLBACK } from '../../src/slack/ids.js';
import { ADMIN_PROCESS, adminProcess } from '../helpers/adminProcess.js';
import { useRealProcessRig } from '../helpers/realProcessRig.js';
import type { SmsopsProcess } from '../helpers/smsopsProcess.js';
import { sleep, waitUntil } from '../helpers/waitUntil.js';

/**
 * SIGTERM while a setup change waits on Wavix (the real process, the emulator slowed by fault injection). Slack was
 * answered before the change ran and sends nothing again: smsops exited in 45 ms, the Sender ID form stayed at
 * "Sending the request to Wavix…", nobody was answered and nothing was audited, though Wavix may have acted. Now the
 * stop waits a while for the change, and one it gives up on is said to its person and left "unknown" in the audit.
 */

const _ADMIN = ADMIN_PROCESS.admin;

type AuditRow = { action: string; target: string; outcome: string; detail: string | null };

describe('a stop while a change waits on Wavix (real process)', () => {
  const rig = useRealProcessRig('smsops-stop-change-');
  let emulator: WavixEmulator;

  beforeEach(async () => {
    emulator = await startWavixEmulator({});
  });
  afterEach(async () => {
    await emulator.close();
  });

  const { databasePath: dbPath, start, slack } = adminProcess(rig, () => ({ apiKey: emulator.apiKey, url: emulator.url }));
  const audit = (): AuditRow[] => {
    const db = new Database(dbPath(), { readonly: true });
    try {
      return db.prepare('SELECT action, target, outcome, detail FROM audit_log ORDER BY id').all() as AuditRow[];
    } finally {
      db.close();
    }
  };
  const stop = async (p: SmsopsProcess) => {
    p.child.kill('SIGTERM');
    const exit = await Promise.race([p.exited, sleep(40_000).then(() => 'still running' as const)]);
    expect(exit, p.logs.slice(-20).join('\n')).toEqual({ code: 0, signal: null });
    expect(p.logs.some((l) => l.includes('"msg":"stopped"'))).toBe(true);
  };

  it('a Sender ID request Wavix has not answered when the stop gives up: the modal says so, the audit keeps it unknown', {
    timeout: 90_000,
  }, async () => {
    const p = await start();
    // Longer than the stop waits (10 s): the Wavix client's own 15 s timeout ends it only after the stop gave up.
    emulator.injectFault({ method: 'POST', path: '/v3/messages/sender-ids', latencyMs: 60_000 });
    const submitted = await slack().viewSubmission({
      callbackId: CALLBACK.senderIdCreate,
      viewId: 'V0STOP01',
      privateMetadata: JSON.stringify({ channelId: 'C0TEST0001', type: 'alphanumeric' }),
      values: {
        sid_value_text: { sid_value_input: { type: 'plain_text_input', value: 'StopTest' } },
        sid_countries: { sid_countries_choice: { type: 'multi_static_select', selected_options: [{ value: 'DE' }] } },
        sid_usecase: { sid_usecase_choice: { type: 'static_select', selected_option: { value: 'transactional' } } },
      },
    });
    expect(submitted.json).toMatchObject({ response_action: 'update' });
    await waitUntil(() => audit().some((r) => r.action === 'senderid.create'), 10_000, 'the change under way');

    await stop(p);
    const modal = rig.fakeSlack.callsTo('views.update').filter((c) => c.args.view_id === 'V0STOP01');
    expect(JSON.stringify(modal.map((c) => c.args.view))).toContain(
      'smsops is stopping: the request to Wavix may or may not have been made; check with `/sms senderid status` after the restart.',
    );
    expect(audit()).toEqual([
      {
        action: 'senderid.create',
        target: 'StopTest',
        outcome: 'unknown',
        detail: 'smsops stopped before it finished: what it asked Wavix may or may not have been done',
      },
    ]);
  });

  it('a Sender ID request Wavix answered, its announcement hanging in Slack when the stop gives up: the modal keeps the result', {
    timeout: 90_000,
  }, async () => {
    const p = await start();
    const release = rig.fakeSlack.hang('chat.postMessage', (call) => String(call.args.text ?? '').includes('requested by'));
    try {
      const submitted = await slack().viewSubmission({
        callbackId: CALLBACK.senderIdCreate,
        viewId: 'V0STOP02',
        privateMetadata: JSON.stringify({ channelId: 'C0TEST0001', type: 'alphanumeric' }),
        values: {
          sid_value_text: { sid_value_input: { type: 'plain_text_input', value: 'AcmeHang' } },
          sid_countries: {
            sid_countries_choice: { type: 'multi_static_select', selected_options: [{ value: 'DE' }, { value: 'FR' }] },
          },
          sid_usecase: { sid_usecase_choice: { type: 'static_select', selected_option: { value: 'transactional' } } },
        },
      });
      expect(submitted.json).toMatchObject({ response_action: 'update' });
      await waitUntil(() => rig.fakeSlack.callsTo('chat.postMessage').length > 0, 10_000, 'the announcement under way');

      await stop(p);
      const modal = rig.fakeSlack.callsTo('views.update').filter((c) => c.args.view_id === 'V0STOP02');
      const last = JSON.stringify(modal.at(-1)?.args.view);
      expect(last).toContain('*AcmeHang* was sent to Wavix.');
      expect(last).toContain('announcement in the alert channel, which may be missing');
      expect(last).not.toContain('may or may not have been made');
      expect(audit()).toMatchObject([{ action: 'senderid.create', target: 'AcmeHang', outcome: 'ok' }]);
    } finally {
      release();
    }
  });

  it('/sms number enable-inbound that Wavix answers while the stop waits: answered as usual and audited ok', {
    timeout: 90_000,
  }, async () => {
    const p = await start();
    // Shorter than the stop waits: the stop lets it finish.
    emulator.injectFault({ method: 'PATCH', path: '/v1/numbers', latencyMs: 3_000 });
    const before = rig.fakeSlack.responses.length;
    expect((await slack().command('number enable-inbound +12025550143')).status).toBe(200);
    // The signal lands while Wavix holds the change (3 s), or before it was sent: either way the stop waits for it.
    await sleep(1_000);

    await stop(p);
    const answers = rig.fakeSlack.responses.slice(before).map((r) => JSON.stringify(r.body));
    expect(answers.join('\n')).toContain('+1 202');
    expect(answers.join('\n')).not.toContain('smsops is stopping');
    expect(audit()).toEqual([{ action: 'number.enable-inbound', target: '+12025550143', outcome: 'ok', detail: null }]);
    expect(emulator.state().numbers.find((n) => n.number === '12025550143')?.sms_enabled).toBe(true);
  });

  it('/sms number enable-inbound cut by the stop: the person is told the change may or may not have been made', {
    timeout: 90_000,
  }, async () => {
    const p = await start();
    emulator.injectFault({ method: 'PATCH', path: '/v1/numbers', latencyMs: 60_000 });
    const before = rig.fakeSlack.responses.length;
    expect((await slack().command('number enable-inbound +12025550143')).status).toBe(200);
    await waitUntil(() => audit().some((r) => r.action === 'number.enable-inbound'), 10_000, 'the change under way');

    await stop(p);
    const answers = rig.fakeSlack.responses.slice(before).map((r) => JSON.stringify(r.body));
    expect(answers.join('\n')).toContain(
      'smsops is stopping and did not finish (run /sms number enable-inbound +12025550143): if that was a change, Wavix may or may not have made it',
    );
    expect(audit()).toMatchObject([{ action: 'number.enable-inbound', outcome: 'unknown' }]);
  });

  it('/sms route set cut by the stop while Slack looks its channel up: the person is not told Wavix may have acted, and /sms audit lists it', {
    timeout: 90_000,
  }, async () => {
    // The lookup came before the audit entry was written, so the stop left none though the person was told to look.
    const p = await start();
    rig.fakeSlack.hang('conversations.list');
    const before = rig.fakeSlack.responses.length;
    const command = 'route set +12025550143 https://pbx.example.com:8887/emc/Wavix - US/0d3c #sms-inbox';
    expect((await slack().command(command)).status).toBe(200);
    await waitUntil(() => rig.fakeSlack.callsTo('conversations.list').length > 0, 10_000, 'the channel lookup');

    await stop(p);
    const answers = rig.fakeSlack.responses.slice(before).map((r) => JSON.stringify(r.body));
    expect(answers.join('\n')).toContain('nothing was asked of Wavix, and the change was made whole or not at all');
    expect(answers.join('\n')).not.toContain('Wavix may or may not');
    expect(audit()).toEqual([
      {
        action: 'route.set',
        target: '+12025550143',
        outcome: 'unknown',
        detail:
          "smsops stopped before it finished: nothing was asked of Wavix, and the change was made whole in smsops' database or not at all (the current state says which)",
      },
    ]);
  });

  it('a change in progress when smsops was killed is recorded interrupted at the next start', { timeout: 90_000 }, async () => {
    const first = await start();
    emulator.injectFault({ method: 'PATCH', path: '/v1/numbers', latencyMs: 60_000 });
    expect((await slack().command('number enable-inbound +12025550143')).status).toBe(200);
    await waitUntil(() => audit().some((r) => r.action === 'number.enable-inbound'), 10_000, 'the change under way');
    first.kill();
    await first.exited;
    expect(audit()).toMatchObject([{ outcome: 'unknown', detail: 'in progress: not finished yet' }]);

    const second = await start();
    expect(audit()).toEqual([
      {
        action: 'number.enable-inbound',
        target: '+12025550143',
        outcome: 'unknown',
        detail: 'smsops stopped before it finished: what it asked Wavix may or may not have been done',
      },
    ]);
    expect(second.logs.some((l) => l.includes('changes the last run did not finish are recorded as interrupted'))).toBe(true);
  });
});
