import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CALLBACK, SENDER_ID_BLOCK } from '../../src/slack/ids.js';
import {
  ADMIN,
  ALERT_CHANNEL,
  readable,
  runCommand,
  type SmsopsUnderTest,
  startSmsopsUnderTest,
} from '../helpers/smsopsUnderTest.js';

// One logical Sender ID, one Wavix request per country: what an operator sees when they ask twice, when Wavix already
// has it, when they record a refusal, and where the carrier's answer lands.

let t: SmsopsUnderTest;
beforeEach(async () => {
  t = await startSmsopsUnderTest();
});
afterEach(async () => {
  await t.stop();
});

const values = (text: string, countries: string[]) => ({
  sid_value_text: { sid_value_input: { type: 'plain_text_input', value: text } },
  sid_countries: {
    sid_countries_choice: { type: 'multi_static_select', selected_options: countries.map((value) => ({ value })) },
  },
  sid_usecase: { sid_usecase_choice: { type: 'static_select', selected_option: { value: 'transactional' } } },
  sid_volume: { sid_volume_choice: { type: 'static_select', selected_option: null } },
  sid_samples: { sid_samples_input: { type: 'plain_text_input', value: null } },
});

const metadata = JSON.stringify({ channelId: ALERT_CHANNEL, type: 'alphanumeric' });
const submit = (text: string, countries: string[]) =>
  t.slack.viewSubmission({
    callbackId: CALLBACK.senderIdCreate,
    viewId: 'V0001',
    privateMetadata: metadata,
    userId: ADMIN,
    values: values(text, countries),
  });
const onWavix = (value: string) => t.emulator.state().senderIds.filter((s) => s.sender_id === value);
const announcements = () => t.fakeSlack.callsTo('chat.postMessage').filter((c) => !c.error && c.args.channel === ALERT_CHANNEL);

/** Asks for Acme in GB (allowlisted at once) and FR (carrier review), and waits for its announcement. */
async function requestAcme(countries = ['FR', 'GB']) {
  const before = announcements().length;
  const response = await submit('Acme', countries);
  expect(response.json.response_action).toBe('update');
  await t.fakeSlack.waitFor('chat.postMessage', before + 1);
  return announcements()[before];
}

async function createdOnWavixDirectly(value: string, countries: string[]): Promise<string> {
  const response = await fetch(`${t.emulator.url}/v3/messages/sender-ids`, {
    method: 'POST',
    headers: { authorization: `Bearer ${t.emulator.apiKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({ sender_id: value, type: 'alphanumeric', countries, usecase: 'transactional' }),
  });
  expect(response.status).toBe(201);
  return ((await response.json()) as { id: string }).id;
}

describe('asking for the same Sender ID twice', () => {
  it('refuses on the countries field, naming each country’s state and the Wavix id, and sends nothing', async () => {
    await requestAcme();
    const [first] = onWavix('Acme');

    const again = await submit('Acme', ['GB', 'FR']);
    expect(again.json.response_action).toBe('errors');
    const message = again.json.errors[SENDER_ID_BLOCK.countries];
    expect(message).toContain(`Acme is already approved in GB and pending carrier approval in FR (Wavix id ${first?.id})`);
    expect(message).toContain('nothing new to request');
    expect(onWavix('Acme')).toHaveLength(1);
  });

  it('sends only the countries not requested yet, and says which were left out and why', async () => {
    await requestAcme();
    const second = await requestAcme(['DE', 'FR', 'GB']);

    const acmes = onWavix('Acme');
    expect(acmes).toHaveLength(2);
    expect(acmes[1]?.allowlisted_in).toEqual(['DE']);
    expect(second?.args.text).toBe(`Sender ID Acme (alphanumeric) requested by <@${ADMIN}> for DE: approved in DE`);
    expect(readable(second?.args.blocks)).toContain('FR and GB not requested again: this Sender ID is already approved in GB');
  });

  it('also knows the Sender IDs Wavix has that smsops has not seen yet (made in the portal)', async () => {
    const portal = await createdOnWavixDirectly('Acme', ['DE']);
    // smsops' store does not know it, so the form's quick check lets it through; Wavix's list is read before creating.
    const response = await submit('Acme', ['DE']);
    expect(response.json.response_action).toBe('update');
    const updates = await t.fakeSlack.waitFor('views.update', 1);
    const notice = readable(
      updates.at(-1)?.args.view.blocks.find((b: { block_id?: string }) => b.block_id === SENDER_ID_BLOCK.notice),
    );
    expect(notice).toContain(`Acme is already approved in DE (Wavix id ${portal})`);
    expect(onWavix('Acme')).toHaveLength(1);
  });

  it('sends one request when the same form is submitted twice at once (a double click)', async () => {
    const answers = await Promise.all([submit('Acme', ['DE']), submit('Acme', ['DE'])]);
    await t.fakeSlack.waitFor('chat.postMessage', 1);
    // The second is refused on its field when the first is stored by then, else while the first is under way.
    const updates = answers.filter((a) => a.json.response_action === 'update').length;
    if (updates === 2) {
      await t.fakeSlack.waitFor('views.update', 2);
      expect(readable(t.fakeSlack.callsTo('views.update').map((c) => c.args.view))).toContain('being sent to Wavix right now');
    } else {
      expect(answers.some((a) => a.json.response_action === 'errors')).toBe(true);
    }
    expect(onWavix('Acme')).toHaveLength(1);
  });
});

describe('/sms senderid reject with more than one "Acme" on Wavix', () => {
  it('picks the one that asked for the country', async () => {
    await requestAcme(['FR']);
    await createdOnWavixDirectly('Acme', ['GB']);
    await runCommand(t, 'senderid list');
    const answer = readable((await runCommand(t, 'senderid reject Acme FR Brand not registered')).body);
    expect(answer).toContain('Recorded: Acme refused in FR');
    const rejected = t.db.prepare("SELECT country FROM sender_id_countries WHERE status = 'rejected'").all();
    expect(rejected).toEqual([{ country: 'FR' }]);
  });

  it('lists the matches in words with their Wavix ids, and takes the Wavix id to pick one', async () => {
    const older = await createdOnWavixDirectly('Acme', ['FR', 'GB']);
    const newer = await createdOnWavixDirectly('Acme', ['FR', 'GB']);
    await runCommand(t, 'senderid list');

    const answer = readable((await runCommand(t, 'senderid reject Acme FR Brand not registered')).body);
    expect(answer).toContain('"Acme" matches 2 Sender IDs');
    expect(answer).toContain(`Wavix id ${older} (alphanumeric, made in the Wavix portal; GB approved)`);
    expect(answer).toContain(`Wavix id ${newer}`);
    expect(answer).toContain(`/sms senderid reject ${older} FR`);

    const picked = readable((await runCommand(t, `senderid reject ${newer} FR Brand not registered`)).body);
    expect(picked).toContain('Recorded: Acme refused in FR');
  });
});

describe('carrier decisions answer the request they are about', () => {
  it('posts the approval in the request announcement’s thread, also broadcast to the channel', async () => {
    const announcement = await requestAcme(['FR']);
    const parentTs = announcement?.result?.ts;
    expect(parentTs).toBeTruthy();
    const [acme] = onWavix('Acme');
    await fetch(`${t.emulator.url}/_emulator/sender-ids/${acme?.id}/approve`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ countries: ['FR'] }),
    });

    await runCommand(t, 'jobs run sender-id-approvals');
    const decision = announcements().find((c) => String(c.args.text).includes('approved in FR'));
    expect(decision?.args.thread_ts).toBe(parentTs);
    expect(String(decision?.args.reply_broadcast)).toBe('true');
  });

  it('posts top-level when Slack no longer finds the announcement', async () => {
    await requestAcme(['FR']);
    const [acme] = onWavix('Acme');
    await fetch(`${t.emulator.url}/_emulator/sender-ids/${acme?.id}/approve`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ countries: ['FR'] }),
    });
    t.fakeSlack.failNext('chat.postMessage', 'thread_not_found');

    await runCommand(t, 'jobs run sender-id-approvals');
    const decisions = announcements().filter((c) => String(c.args.text).includes('approved in FR'));
    expect(decisions).toHaveLength(1);
    expect(decisions[0]?.args.thread_ts).toBeUndefined();
  });
});

describe('/sms senderid reject refuses a refusal that cannot have happened', () => {
  it('names a word that is no country, a country the type never gets, and one never requested, and records none', async () => {
    await requestAcme(['FR', 'GB']);
    const reject = async (words: string) => readable((await runCommand(t, `senderid reject ${words}`)).body);

    const notCountry = await reject('Acme XX Brand not registered');
    expect(notCountry).toContain('XX is not a country code');
    expect(notCountry).toContain('/sms senderid reject Acme FR Brand not registered');
    expect(await reject('Acme US Brand not registered')).toContain(
      'Acme is alphanumeric, which is never approved in US: The US does not allow alphanumeric Sender IDs',
    );
    expect(await reject('Acme DE Brand not registered')).toContain(
      'Acme was not requested for DE (its countries: FR pending and GB approved), so Wavix cannot have refused it there',
    );
    expect(t.db.prepare("SELECT country FROM sender_id_countries WHERE status = 'rejected'").all()).toEqual([]);

    expect(await reject('Acme FR Brand not registered')).toContain('Recorded: Acme refused in FR');
    await runCommand(t, 'jobs run sender-id-approvals');
    const rejections = announcements().filter((c) => /rejected in|was rejected/.test(String(c.args.text)));
    expect(rejections.map((c) => String(c.args.text)).join('\n')).not.toMatch(/XX|US|DE/);
    expect(rejections).toHaveLength(2);
  });
});
