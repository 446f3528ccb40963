import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startWavixEmulator, type WavixEmulator } from '../../src/sandbox/emulator/server.js';
import { CALLBACK } from '../../src/slack/ids.js';
import { ADMIN_PROCESS, adminProcess } from '../helpers/adminProcess.js';
import { type AnswerLosingProxy, startAnswerLosingProxy } from '../helpers/answerLosingProxy.js';
import { useRealProcessRig } from '../helpers/realProcessRig.js';
import { waitUntil } from '../helpers/waitUntil.js';

/**
 * kill -9 once Wavix created a Sender ID, before its answer reached smsops (a proxy holds it). After the restart smsops took it for one made in the Wavix portal, approved in DE and nothing else: FR under review was
 * nowhere, and submitting the form again sent FR to Wavix a second time.
 */

const ADMIN = ADMIN_PROCESS.admin;

describe('smsops killed while Wavix creates a Sender ID (real process)', () => {
  const rig = useRealProcessRig('smsops-senderid-kill-');
  let emulator: WavixEmulator;
  let proxy: AnswerLosingProxy;

  beforeEach(async () => {
    emulator = await startWavixEmulator({});
    proxy = await startAnswerLosingProxy(emulator.url, { method: 'POST', path: '/v3/messages/sender-ids' });
  });
  afterEach(async () => {
    await proxy.close();
    await emulator.close();
  });

  const { databasePath: dbPath, start, slack } = adminProcess(rig, () => ({ apiKey: emulator.apiKey, url: proxy.url }));
  const submit = (viewId: string) =>
    slack().viewSubmission({
      callbackId: CALLBACK.senderIdCreate,
      viewId,
      userId: ADMIN,
      privateMetadata: JSON.stringify({ channelId: 'C0TEST0001', type: 'alphanumeric' }),
      values: {
        sid_value_text: { sid_value_input: { type: 'plain_text_input', value: 'AcmeCrash' } },
        sid_countries: {
          sid_countries_choice: { type: 'multi_static_select', selected_options: [{ value: 'DE' }, { value: 'FR' }] },
        },
        sid_usecase: { sid_usecase_choice: { type: 'static_select', selected_option: { value: 'transactional' } } },
      },
    });
  const onWavix = () => emulator.state().senderIds.filter((s) => s.sender_id === 'AcmeCrash');

  it('after the restart it is the request it was: FR pending, not sent to Wavix again', { timeout: 90_000 }, async () => {
    const first = await start();
    expect((await submit('V0KILL01')).json).toMatchObject({ response_action: 'update' });
    expect(await proxy.answered).toBe(201);
    first.kill();
    await first.exited;
    expect(onWavix()).toHaveLength(1);

    await start();
    const again = await submit('V0KILL02');
    expect(again.json.response_action).toBe('update');
    await waitUntil(
      () => rig.fakeSlack.callsTo('views.update').some((c) => c.args.view_id === 'V0KILL02'),
      15_000,
      'the second request answered',
    );
    const modal = rig.fakeSlack.callsTo('views.update').filter((c) => c.args.view_id === 'V0KILL02');
    expect(JSON.stringify(modal.at(-1)?.args.view)).toContain(
      'AcmeCrash is already approved in DE and pending carrier approval in FR',
    );
    expect(onWavix()).toHaveLength(1);
    const db = new Database(dbPath(), { readonly: true });
    try {
      expect(db.prepare('SELECT origin, requested_by FROM sender_ids WHERE value = ?').all('AcmeCrash')).toEqual([
        { origin: 'smsops', requested_by: ADMIN },
      ]);
    } finally {
      db.close();
    }
  });
});
