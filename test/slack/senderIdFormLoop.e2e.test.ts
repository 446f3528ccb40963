import { afterEach, describe, expect, it } from 'vitest';
import { CALLBACK, SENDER_ID_ACTION, SENDER_ID_BLOCK } from '../../src/slack/ids.js';
import {
  ALERT_CHANNEL,
  OUTSIDER,
  type SmsopsUnderTest,
  startSmsopsUnderTest,
  stopCheckingSecrets,
} from '../helpers/smsopsUnderTest.js';
import { sleep } from '../helpers/waitUntil.js';

let t: SmsopsUnderTest | undefined;
afterEach(async () => {
  if (t) await stopCheckingSecrets(t);
  t = undefined;
});

const numberListings = (smsops: SmsopsUnderTest, since: number) =>
  smsops.emulator
    .requests()
    .slice(since)
    .filter((r) => r.path === '/v1/numbers');

describe('the Sender ID form opened in a loop', () => {
  it('lists the account’s numbers at Wavix once a minute, not once per opening', async () => {
    t = await startSmsopsUnderTest();
    const before = t.emulator.requests().length;
    for (let i = 1; i <= 10; i++) {
      await t.slack.command('senderid create', { userId: OUTSIDER });
      // Each form is filled with the numbers.
      await t.fakeSlack.waitFor('views.update', i);
    }
    // Before: 10 listings of the whole account (a call per 100 numbers each).
    expect(numberListings(t, before)).toHaveLength(1);
  });

  it('finds a number bought since the numbers were read when its digits are searched', async () => {
    const smsops = await startSmsopsUnderTest();
    t = smsops;
    await smsops.slack.command('senderid create');
    await smsops.fakeSlack.waitFor('views.update');
    // Bought in the Wavix portal a few seconds later.
    const [first] = smsops.emulator.state().numbers;
    if (!first) throw new Error('the emulator has no numbers');
    smsops.emulator.state().numbers.push({ ...structuredClone(first), id: 199, number: '14155550199' });
    await sleep(5_100);
    const suggest = (value: string) =>
      smsops.slack.blockSuggestion({
        actionId: SENDER_ID_ACTION.value,
        blockId: SENDER_ID_BLOCK.valueNumber,
        value,
        callbackId: CALLBACK.senderIdCreate,
        privateMetadata: JSON.stringify({ channelId: ALERT_CHANNEL, type: 'numeric' }),
      });
    const found = await suggest('0199');
    // Before: no option for up to a minute, the numbers read before it was bought answering every search.
    expect((found.json.options ?? []).map((o: { value: string }) => o.value)).toEqual(['+14155550199']);
    // A number kept is found without reading Wavix again.
    const listings = numberListings(smsops, 0).length;
    await suggest('4155550100');
    expect(numberListings(smsops, 0)).toHaveLength(listings);
  });
});
