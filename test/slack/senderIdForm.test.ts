import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CALLBACK, SENDER_ID_ACTION, SENDER_ID_BLOCK } from '../../src/slack/ids.js';
import {
  ADMIN,
  ALERT_CHANNEL,
  OUTSIDER,
  readable,
  runCommand,
  type SmsopsUnderTest,
  startSmsopsUnderTest,
} from '../helpers/smsopsUnderTest.js';

let t: SmsopsUnderTest;
beforeEach(async () => {
  t = await startSmsopsUnderTest();
});
afterEach(async () => {
  await t.stop();
});

// biome-ignore lint/suspicious/noExplicitAny: views are asserted structurally
type View = any;

const blockById = (view: View, id: string) => view.blocks.find((b: { block_id?: string }) => b.block_id === id);

/** Opens the form as a person would and returns the filled view (after the placeholder). */
async function openForm(): Promise<{ viewId: string; view: View; metadata: string }> {
  const ack = await t.slack.command('senderid create');
  expect(ack.status).toBe(200);
  const [opened] = await t.fakeSlack.waitFor('views.open');
  const [updated] = await t.fakeSlack.waitFor('views.update');
  expect(opened?.args.trigger_id).toMatch(/^trig-/);
  return { viewId: updated?.args.view_id, view: updated?.args.view, metadata: updated?.args.view.private_metadata };
}

const values = (input: { text?: string; number?: string; countries: string[]; usecase?: string; samples?: string }) => ({
  ...(input.text !== undefined ? { sid_value_text: { sid_value_input: { type: 'plain_text_input', value: input.text } } } : {}),
  ...(input.number !== undefined
    ? { sid_value_number: { sid_value_input: { type: 'static_select', selected_option: { value: input.number } } } }
    : {}),
  sid_countries: {
    sid_countries_choice: { type: 'multi_static_select', selected_options: input.countries.map((value) => ({ value })) },
  },
  sid_usecase: { sid_usecase_choice: { type: 'static_select', selected_option: { value: input.usecase ?? 'transactional' } } },
  sid_volume: { sid_volume_choice: { type: 'static_select', selected_option: null } },
  sid_samples: { sid_samples_input: { type: 'plain_text_input', value: input.samples ?? null } },
});

describe('/sms senderid create', () => {
  it('opens a placeholder at once, then fills the form; US and Canada are marked not allowed for alphanumeric, with the reason', async () => {
    const { view } = await openForm();
    const [opened] = t.fakeSlack.callsTo('views.open');
    expect(readable(opened?.args.view)).toContain('Loading your Wavix numbers');
    expect(view.callback_id).toBe(CALLBACK.senderIdCreate);
    expect(blockById(view, SENDER_ID_BLOCK.valueText).element.type).toBe('plain_text_input');
    const groups = blockById(view, SENDER_ID_BLOCK.countries).element.option_groups;
    const refused = groups.at(-1);
    expect(refused.label.text).toBe('Not allowed for alphanumeric Sender IDs');
    expect(refused.options.map((o: { value: string }) => o.value).sort()).toEqual(['CA', 'US']);
    expect(groups.every((g: { options: unknown[] }) => g.options.length <= 100)).toBe(true);
    expect(readable(view)).toContain('The US does not allow alphanumeric Sender IDs');
  });

  it('switching to numeric offers the account’s SMS-enabled numbers in a select searched through smsops', async () => {
    const { viewId, metadata } = await openForm();
    const response = await t.slack.blockAction({
      actionId: SENDER_ID_ACTION.type,
      blockId: SENDER_ID_BLOCK.type,
      container: 'view',
      viewId,
      privateMetadata: metadata,
      actionType: 'radio_buttons',
      selectedOption: { value: 'numeric' },
      stateValues: values({ text: 'Acme', countries: ['GB'] }),
    });
    expect(response.status).toBe(200);
    const updates = await t.fakeSlack.waitFor('views.update', 2);
    const view = updates[1]?.args.view;
    expect(blockById(view, SENDER_ID_BLOCK.valueNumber).element.type).toBe('external_select');
    const suggested = await t.slack.blockSuggestion({
      actionId: SENDER_ID_ACTION.value,
      blockId: SENDER_ID_BLOCK.valueNumber,
      value: '',
      viewId,
      callbackId: CALLBACK.senderIdCreate,
      privateMetadata: view.private_metadata,
    });
    const options = suggested.json.options.map((o: { value: string }) => o.value);
    expect(options).toEqual(['+14155550100', '+16135550123', '+447400123456']);
    expect(blockById(view, SENDER_ID_BLOCK.countries).element.initial_options.map((o: { value: string }) => o.value)).toEqual([
      'GB',
    ]);
    expect(JSON.parse(view.private_metadata).type).toBe('numeric');
  });

  it('shows rule violations on the fields, not as a crash, and sends nothing to Wavix', async () => {
    const { viewId, metadata } = await openForm();
    const response = await t.slack.viewSubmission({
      callbackId: CALLBACK.senderIdCreate,
      viewId,
      privateMetadata: metadata,
      values: values({ text: 'Acmé Shop!!', countries: ['US', 'GB'] }),
    });
    expect(response.status).toBe(200);
    expect(response.json.response_action).toBe('errors');
    expect(response.json.errors.sid_value_text).toContain('the letter "é"');
    expect(response.json.errors.sid_value_text).toContain('"!"');
    expect(response.json.errors.sid_countries).toContain('The US does not allow alphanumeric Sender IDs');
    expect(t.emulator.state().senderIds).toHaveLength(1);
  });

  it('names the characters nobody can see in the refusal, instead of `remove " "`', async () => {
    const said: Record<string, string> = {};
    for (const text of ['Acme\u00a0Co', 'Acme\u200bCo', 'Acme\tCo']) {
      const { viewId, metadata } = await openForm();
      const response = await t.slack.viewSubmission({
        callbackId: CALLBACK.senderIdCreate,
        viewId,
        privateMetadata: metadata,
        values: values({ text, countries: ['GB'] }),
      });
      expect(response.json.response_action).toBe('errors');
      said[text] = response.json.errors.sid_value_text;
    }
    expect(said).toEqual({
      'Acme\u00a0Co': 'Only letters A–Z, digits and spaces are allowed; remove a no-break space (U+00A0).',
      'Acme\u200bCo': 'Only letters A–Z, digits and spaces are allowed; remove a zero-width space (U+200B).',
      'Acme\tCo': 'Only letters A–Z, digits and spaces are allowed; remove a tab.',
    });
    expect(t.emulator.state().senderIds).toHaveLength(1);
  });

  it('refuses a use case the form never offered (a forged submission) on its field, instead of filing it as another', async () => {
    const { viewId, metadata } = await openForm();
    const response = await t.slack.viewSubmission({
      callbackId: CALLBACK.senderIdCreate,
      viewId,
      privateMetadata: metadata,
      userId: ADMIN,
      values: values({ text: 'Acme', countries: ['GB'], usecase: 'political-campaign' }),
    });
    expect(response.json.response_action).toBe('errors');
    expect(response.json.errors).toEqual({ sid_usecase: 'Not one of the options offered: choose one from the list.' });
    expect(t.emulator.state().senderIds.some((s) => s.sender_id === 'Acme')).toBe(false);
  });

  it('creates it on Wavix, stores the requester, confirms, and announces each country’s state in the alert channel', async () => {
    const { viewId, metadata } = await openForm();
    const response = await t.slack.viewSubmission({
      callbackId: CALLBACK.senderIdCreate,
      viewId,
      privateMetadata: metadata,
      userId: ADMIN,
      values: values({ text: 'Acme', countries: ['GB', 'FR'], samples: 'Your code is 1234\nYour order shipped' }),
    });
    expect(response.json.response_action).toBe('update');

    const [announcement] = await t.fakeSlack.waitFor('chat.postMessage');
    expect(announcement?.args.channel).toBe(ALERT_CHANNEL);
    expect(announcement?.args.text).toBe(
      `Sender ID Acme (alphanumeric) requested by <@${ADMIN}> for FR, GB: approved in GB; FR pending carrier approval`,
    );
    const [confirmation] = await t.fakeSlack.waitFor('chat.postEphemeral');
    expect(confirmation?.args.user).toBe(ADMIN);
    expect(confirmation?.args.channel).toBe('C0ALERTS01');
    expect(confirmation?.args.text).toContain('approved in GB; FR pending carrier approval');

    const created = t.emulator.state().senderIds.find((s) => s.sender_id === 'Acme');
    expect(created).toMatchObject({
      type: 'alphanumeric',
      usecase: 'transactional',
      samples: ['Your code is 1234', 'Your order shipped'],
    });
    const stored = t.db.prepare('SELECT requested_by, origin FROM sender_ids WHERE value = ?').get('Acme');
    expect(stored).toEqual({ requested_by: ADMIN, origin: 'smsops' });
    const countries = t.db
      .prepare(
        `SELECT country, status, announced_at IS NOT NULL AS announced FROM sender_id_countries
         WHERE sender_id = (SELECT id FROM sender_ids WHERE value = 'Acme') ORDER BY country`,
      )
      .all();
    expect(countries).toEqual([
      { country: 'FR', status: 'pending', announced: 0 },
      { country: 'GB', status: 'approved', announced: 1 },
    ]);
  });

  it('leaves the countries approved at once to the approval job when Slack refuses the request’s announcement', async () => {
    const { viewId, metadata } = await openForm();
    t.fakeSlack.failNext('chat.postMessage', 'internal_error');
    const response = await t.slack.viewSubmission({
      callbackId: CALLBACK.senderIdCreate,
      viewId,
      privateMetadata: metadata,
      userId: ADMIN,
      values: values({ text: 'Muon', countries: ['GB', 'DE', 'FR'] }),
    });
    expect(response.json.response_action).toBe('update');
    await t.fakeSlack.waitFor('chat.postEphemeral');
    const accepted = () => t.fakeSlack.callsTo('chat.postMessage').filter((c) => !c.error);
    expect(accepted()).toHaveLength(0);

    await runCommand(t, 'jobs run sender-id-approvals');
    await runCommand(t, 'jobs run sender-id-approvals');
    expect(accepted().map((c) => c.args.text)).toEqual([`Sender ID Muon (requested by <@${ADMIN}>): approved in DE, GB`]);
  });

  it('brings the form back with the values and Wavix’s reason when Wavix refuses', async () => {
    const { viewId, metadata } = await openForm();
    t.emulator.injectFault({
      method: 'POST',
      path: '/v3/messages/sender-ids',
      status: 400,
      body: { success: false, message: 'Sender ID cannot be provisioned. Brand name is reserved' },
    });
    await t.slack.viewSubmission({
      callbackId: CALLBACK.senderIdCreate,
      viewId,
      privateMetadata: metadata,
      values: values({ text: 'Acme', countries: ['DE'] }),
    });
    const updates = await t.fakeSlack.waitFor('views.update', 2);
    const view = updates[1]?.args.view;
    expect(readable(blockById(view, SENDER_ID_BLOCK.notice))).toContain('Brand name is reserved');
    expect(blockById(view, SENDER_ID_BLOCK.valueText).element.initial_value).toBe('Acme');
    expect(t.fakeSlack.callsTo('chat.postMessage')).toHaveLength(0);
  });

  it('refuses a numeric Sender ID on a number that is not SMS-enabled', async () => {
    const { viewId } = await openForm();
    await t.slack.viewSubmission({
      callbackId: CALLBACK.senderIdCreate,
      viewId,
      privateMetadata: JSON.stringify({ channelId: 'C0ALERTS01', type: 'numeric' }),
      values: values({ text: '+44 20 7946 0000', countries: ['GB'] }),
    });
    const updates = await t.fakeSlack.waitFor('views.update', 2);
    expect(readable(blockById(updates[1]?.args.view, SENDER_ID_BLOCK.notice))).toContain(
      '+44 20 7946 0000 is not an SMS-enabled number of this Wavix account',
    );
    expect(t.emulator.state().senderIds).toHaveLength(1);
  });

  it('refuses a non-admin’s request at once, without saying it is being sent, tells them why, and records it', async () => {
    const { viewId, metadata } = await openForm();
    const submitted = await t.slack.viewSubmission({
      callbackId: CALLBACK.senderIdCreate,
      viewId,
      privateMetadata: metadata,
      userId: OUTSIDER,
      values: values({ text: 'Acme', countries: ['GB'] }),
    });
    // The submission's own answer is the refusal: before, "Sending the request to Wavix…", then the refusal.
    expect(submitted.json?.response_action).toBe('update');
    const answered = readable(submitted.json?.view);
    expect(answered).toContain('Only the smsops admins');
    expect(answered).not.toContain('Sending');
    expect(t.emulator.state().senderIds).toHaveLength(1);
    expect(t.fakeSlack.callsTo('views.update')).toHaveLength(1);
    const audit = readable((await runCommand(t, 'audit 1')).body);
    expect(audit).toContain(`<@${OUTSIDER}> \`senderid.create\` \`Acme\`: refused`);
  });

  it('says it is checking while Slack is slow to say who is an admin, then refuses without sending', async () => {
    await t.stop();
    // SLACK_ADMIN_USERS unset: the workspace's admins, whom users.info names. Slack waits 3 s for the submission's answer.
    t = await startSmsopsUnderTest({ SLACK_ADMIN_USERS: '' });
    const { viewId, metadata } = await openForm();
    const release = t.fakeSlack.hang('users.info');
    const asked = Date.now();
    const submitted = await t.slack.viewSubmission({
      callbackId: CALLBACK.senderIdCreate,
      viewId,
      privateMetadata: metadata,
      userId: OUTSIDER,
      values: values({ text: 'Acme', countries: ['GB'] }),
    });
    expect(Date.now() - asked).toBeLessThan(2_500);
    expect(readable(submitted.json?.view)).toContain('Checking that you may request Sender IDs');
    release();
    const updates = await t.fakeSlack.waitFor('views.update', 2);
    const refused = readable(updates[1]?.args.view);
    expect(refused).toContain('Only the smsops admins can change the setup');
    expect(refused).not.toContain('Sending');
    expect(t.emulator.state().senderIds).toHaveLength(1);
  });
});
