import { afterEach, describe, expect, it } from 'vitest';
import { ACTION } from '../../src/slack/ids.js';
import {
  ADMIN,
  OUTSIDER,
  PUBLIC_BASE_URL,
  readable,
  runCommand,
  type SmsopsUnderTest,
  startSmsopsUnderTest,
  stopCheckingSecrets,
  WEBHOOK_SECRET,
} from '../helpers/smsopsUnderTest.js';

const PORTSIP_URL = 'https://pbx.example.com:8887/emc/Wavix - US/a558d635-66e0-4c64-9d3b-2f5c1e7a8b90';
const SMSOPS_INBOUND = `${PUBLIC_BASE_URL}/webhooks/wavix/inbound/${WEBHOOK_SECRET}`;
const SMSOPS_DLR = `${PUBLIC_BASE_URL}/webhooks/wavix/dlr/${WEBHOOK_SECRET}`;

let t: SmsopsUnderTest;
afterEach(async () => {
  await stopCheckingSecrets(t);
});

// biome-ignore lint/suspicious/noExplicitAny: Slack message bodies are asserted structurally
const buttonsOf = (body: any) =>
  body.blocks
    .filter((b: { type: string }) => b.type === 'actions')
    .flatMap((b: { elements: Array<{ action_id: string; value: string }> }) => b.elements);

describe('/sms webhook set', () => {
  it('points the account default inbound and delivery report webhooks at smsops, never showing the secret', async () => {
    t = await startSmsopsUnderTest();
    const text = readable((await runCommand(t, 'webhook set')).body);
    expect(text).toContain('Webhook of the account default updated on Wavix.');
    expect(t.emulator.state().profile).toMatchObject({ sms_relay_url: SMSOPS_INBOUND, dlr_relay_url: SMSOPS_DLR });
    expect(text).toContain('/webhooks/wavix/inbound/whse…');
    // Running it again changes nothing and says so.
    expect(readable((await runCommand(t, 'webhook set default')).body)).toContain('already points there');
  });

  it('shows a different URL first and replaces it only when confirmed', async () => {
    t = await startSmsopsUnderTest();
    t.emulator.state().profile.sms_relay_url = PORTSIP_URL.replaceAll(' ', '%20');
    const { body } = await runCommand(t, 'webhook set');
    expect(readable(body)).toContain('Replace the webhook of the account default?');
    expect(readable(body)).toContain('`https://pbx.example.com:8887/emc/Wavix%20-%20US/a558…`');
    expect(t.emulator.state().profile.sms_relay_url).toContain('pbx.example.com');

    const replace = buttonsOf(body).find((b: { action_id: string }) => b.action_id === ACTION.confirmWebhook);
    const before = t.fakeSlack.responses.length;
    await t.slack.blockAction({ actionId: ACTION.confirmWebhook, value: replace.value, userId: ADMIN, isEphemeral: true });
    const reply = (await t.fakeSlack.waitForResponses(before + 1))[before];
    expect(reply?.body.replace_original).toBe(true);
    expect(readable(reply?.body)).toContain('updated on Wavix');
    expect(t.emulator.state().profile.sms_relay_url).toBe(SMSOPS_INBOUND);
  });

  it('refuses, in words, a URL too long for the Replace button Slack would carry it in, and asks nothing of Wavix', async () => {
    t = await startSmsopsUnderTest();
    t.fakeSlack.enforceLimits();
    t.emulator.state().profile.sms_relay_url = PORTSIP_URL.replaceAll(' ', '%20');
    const long = `https://hooks.example.com/${'a'.repeat(1_990)}`;
    // The old question put the 2,016-character URL in a button value over Slack's 2,000: Slack refused the question
    // (response_url and chat.postEphemeral alike) and the admin saw nothing at all.
    const { body } = await runCommand(t, `webhook set default ${long}`);
    expect(readable(body)).toContain('is 2,016 characters long: smsops takes a webhook URL of at most 1,800');
    expect(t.emulator.state().profile.sms_relay_url).toContain('pbx.example.com');
    // One within it still asks first, and its question reaches the admin.
    const fits = `https://hooks.example.com/${'a'.repeat(1_770)}`;
    const { body: question } = await runCommand(t, `webhook set default ${fits}`);
    expect(readable(question)).toContain('Replace the webhook of the account default?');
  });

  it('does not overwrite a URL that changed after the confirmation was shown', async () => {
    t = await startSmsopsUnderTest();
    t.emulator.state().profile.sms_relay_url = 'https://old.example.com/hook';
    const { body } = await runCommand(t, 'webhook set');
    t.emulator.state().profile.sms_relay_url = 'https://someone-else.example.com/hook';
    const replace = buttonsOf(body).find((b: { action_id: string }) => b.action_id === ACTION.confirmWebhook);
    const before = t.fakeSlack.responses.length;
    await t.slack.blockAction({ actionId: ACTION.confirmWebhook, value: replace.value });
    const reply = (await t.fakeSlack.waitForResponses(before + 1))[before];
    expect(readable(reply?.body)).toContain('changed since you were asked to confirm; nothing was changed');
    expect(t.emulator.state().profile.sms_relay_url).toBe('https://someone-else.example.com/hook');
  });

  it('sets one number’s webhook to an explicit URL with spaces encoded, and refuses a number without SMS', async () => {
    t = await startSmsopsUnderTest();
    const text = readable((await runCommand(t, `webhook set +1 415 555 0100 ${PORTSIP_URL}`)).body);
    expect(text).toContain('Webhook of +1 415 555 0100 updated');
    expect(t.emulator.state().numbers.find((n) => n.id === 101)?.sms_relay_url).toBe(PORTSIP_URL.replaceAll(' ', '%20'));
    expect(readable((await runCommand(t, 'webhook set +12025550143')).body)).toContain('is not SMS-enabled');
  });

  it('sends a number without SMS to `enable-inbound` only where that command works (US, Canada)', async () => {
    t = await startSmsopsUnderTest();
    const us = readable((await runCommand(t, 'webhook set +12025550143')).body);
    const command = /`\/sms (number enable-inbound [^`]+)`/.exec(us)?.[1];
    expect(command).toBe('number enable-inbound +1 202 555 0143');
    expect(readable((await runCommand(t, command ?? '')).body)).toContain('Inbound SMS is now active');
    // Wavix activates inbound SMS on US and Canadian numbers only: `enable-inbound` refuses a London number.
    const gb = readable((await runCommand(t, 'webhook set +44 20 7946 0000')).body);
    expect(gb).toContain('+44 20 7946 0000 is not SMS-enabled');
    expect(gb).not.toContain('enable-inbound');
    expect(gb).toContain('ask Wavix support whether this one can receive SMS');
  });

  it('works from the "Point webhook at smsops" button of the number list', async () => {
    t = await startSmsopsUnderTest();
    const list = (await runCommand(t, 'number list')).body;
    const point = buttonsOf(list).find((b: { value: string }) => b.value === '+14155550100');
    expect(point.action_id).toBe(ACTION.pointWebhookAtSmsops);
    const before = t.fakeSlack.responses.length;
    await t.slack.blockAction({ actionId: point.action_id, value: point.value });
    await t.fakeSlack.waitForResponses(before + 1);
    expect(t.emulator.state().numbers.find((n) => n.id === 101)?.sms_relay_url).toBe(SMSOPS_INBOUND);
    expect(readable((await runCommand(t, 'number list')).body)).toMatch(
      /\+1 415 555 0100.*\n.*\n→ own webhook.*smsops.*:white_check_mark:/,
    );
  });

  it('says PUBLIC_BASE_URL is needed when smsops does not know its own URL', async () => {
    t = await startSmsopsUnderTest({ PUBLIC_BASE_URL: '' });
    expect(readable((await runCommand(t, 'webhook set')).body)).toContain('PUBLIC_BASE_URL is not set');
    expect(t.emulator.state().profile.sms_relay_url).toBeNull();
  });

  it('says a loopback PUBLIC_BASE_URL is out of Wavix’s reach, as it says of the same URL typed out', async () => {
    t = await startSmsopsUnderTest({ PUBLIC_BASE_URL: 'http://localhost:4020' });
    const own = readable((await runCommand(t, 'webhook set +14155550100')).body);
    // Written all the same: a Wavix stand-in on this host (the emulator here) reaches it.
    expect(own).toContain('Webhook of +1 415 555 0100 updated on Wavix.');
    expect(t.emulator.state().numbers.find((n) => n.id === 101)?.sms_relay_url).toBe(
      `http://localhost:4020/webhooks/wavix/inbound/${WEBHOOK_SECRET}`,
    );
    expect(own).toContain(
      ":warning: PUBLIC_BASE_URL's host is a loopback name: Wavix calls this URL from the internet and cannot reach it; set PUBLIC_BASE_URL to the address where the internet reaches smsops",
    );
    const typed = readable((await runCommand(t, 'webhook set +16135550123 http://localhost:4020/webhooks/wavix/inbound/x')).body);
    expect(typed).toContain(':warning: loopback name: Wavix calls this URL from the internet and cannot reach it');
    // The account default, replacing nothing, says it too; so does the question before replacing a URL.
    expect(readable((await runCommand(t, 'webhook set')).body)).toContain("PUBLIC_BASE_URL's host is a loopback name");
    t.emulator.state().profile.sms_relay_url = 'https://old.example.com/hook';
    const question = readable((await runCommand(t, 'webhook set')).body);
    expect(question).toContain('Replace the webhook of the account default?');
    expect(question).toContain("PUBLIC_BASE_URL's host is a loopback name");
  });

  it('says PUBLIC_BASE_URL left at the README’s example (smsops.example.com) reaches nothing, when pointing Wavix there', async () => {
    // The README's and manifest's placeholder pasted as it is: Wavix was pointed at it without a word, and every SMS
    // went to a name nothing answers at.
    t = await startSmsopsUnderTest({ PUBLIC_BASE_URL: 'https://smsops.example.com' });
    const answer = readable((await runCommand(t, 'webhook set')).body);
    expect(answer).toContain('Webhook of the account default updated on Wavix.');
    expect(answer).toContain(
      ":warning: PUBLIC_BASE_URL's host smsops.example.com is a name kept for examples (as in manifest.yml and .env.example): nothing on the internet answers there, so Wavix could deliver no SMS to smsops",
    );
  });

  it('says PUBLIC_BASE_URL holding the Slack Request URL’s /slack/events points Wavix where nothing answers', async () => {
    // The manifest's request URL pasted as the base: smsops answered every SMS posted to …/slack/events/webhooks/… 404.
    t = await startSmsopsUnderTest({ PUBLIC_BASE_URL: 'https://smsops.acme-pbx.net/slack/events' });
    const answer = readable((await runCommand(t, 'webhook set')).body);
    expect(t.emulator.state().profile.sms_relay_url).toBe(
      `https://smsops.acme-pbx.net/slack/events/webhooks/wavix/inbound/${WEBHOOK_SECRET}`,
    );
    expect(answer).toContain(
      ':warning: PUBLIC_BASE_URL ends in /slack/events, a path smsops serves itself: it is the address smsops is reached at, without /slack/events',
    );
  });

  it('refuses a non-admin before showing any confirmation', async () => {
    t = await startSmsopsUnderTest();
    t.emulator.state().profile.sms_relay_url = 'https://old.example.com/hook';
    const { body } = await runCommand(t, 'webhook set', { userId: OUTSIDER });
    expect(readable(body)).toContain('Only the smsops admins');
    expect(buttonsOf(body)).toHaveLength(0);
    expect(t.emulator.state().profile.sms_relay_url).toBe('https://old.example.com/hook');
  });
});

describe('/sms route', () => {
  it('keeps a PortSIP URL with spaces exactly as copied, with its channel, and lists it masked', async () => {
    t = await startSmsopsUnderTest();
    // As Slack delivers it with should_escape: the link stops at the first space.
    const escaped =
      'route set +1 415 555 0100 <https://pbx.example.com:8887/emc/Wavix> - US/a558d635-66e0-4c64-9d3b-2f5c1e7a8b90 <#C0INBOX01|sms-inbox>';
    expect(readable((await runCommand(t, escaped)).body)).toContain('Route saved');
    expect(t.db.prepare('SELECT number, portsip_url, slack_channel, created_by FROM routes').all()).toEqual([
      { number: '+14155550100', portsip_url: PORTSIP_URL, slack_channel: 'C0INBOX01', created_by: ADMIN },
    ]);
    const list = readable((await runCommand(t, 'route list')).body);
    expect(list).toContain(
      '*+1 415 555 0100* → PortSIP `https://pbx.example.com:8887/emc/Wavix - US/a558…` · posted in <#C0INBOX01>',
    );
    expect(list).toContain('Numbers without a route are not relayed to PortSIP');
  });

  it('marks a plain http:// route to the internet in the list: SMS and the URL token would cross it unencrypted', async () => {
    t = await startSmsopsUnderTest();
    await runCommand(t, 'route set +1 415 555 0100 http://203.0.113.7:8899/emc/Wavix/a558d635-66e0-4c64-9d3b-2f5c1e7a8b90');
    await runCommand(t, 'route set default https://pbx.example.com:8887/emc/Wavix/ffff0000-1111-2222-3333-444455556666');
    const list = readable((await runCommand(t, 'route list')).body);
    expect(list).toContain(':unlock: plain http:// to an internet address: every SMS relayed there (text and number)');
    expect(list.match(/:unlock:/g)).toHaveLength(1);
  });

  it('marks a route URL with no path: PortSIP’s web portal address pasted instead of its SMS webhook', async () => {
    // The portal may answer the relay's POST 2xx: the SMS would count as delivered while PortSIP never saw them.
    t = await startSmsopsUnderTest();
    const saved = readable((await runCommand(t, 'route set +1 415 555 0100 https://pbx.acme-corp.net:8887/')).body);
    expect(saved).toContain('Route saved.');
    expect(saved).toContain(
      ':warning: no path: PortSIP’s SMS webhook URL ends with its configuration’s ID (Message Channels → SMS/MMS → Copy Webhook); this looks like the web portal’s address',
    );
    await runCommand(t, 'route set default https://10.0.0.5:8887');
    await runCommand(
      t,
      'route set +1 613 555 0123 https://pbx.acme-corp.net:8887/emc/Wavix/ffff0000-1111-2222-3333-444455556666',
    );
    const list = readable((await runCommand(t, 'route list')).body);
    expect(list.match(/:warning: no path/g)).toHaveLength(2);
  });

  it('does not mark a plain http:// route to a name only the LAN resolves (pbx, pbx.local, pbx.home.arpa), as a LAN address is not', async () => {
    t = await startSmsopsUnderTest();
    await runCommand(t, 'route set +1 415 555 0100 http://pbx:8899/emc/Wavix/a558d635-66e0-4c64-9d3b-2f5c1e7a8b90');
    await runCommand(t, 'route set +1 415 555 0101 http://pbx.local:8899/emc/Wavix/a558d635-66e0-4c64-9d3b-2f5c1e7a8b91');
    await runCommand(
      t,
      'route set +1 415 555 0102 http://pbx.office.home.arpa:8899/emc/Wavix/a558d635-66e0-4c64-9d3b-2f5c1e7a8b92',
    );
    await runCommand(t, 'route set default http://pbx.example.com:8899/emc/Wavix/ffff0000-1111-2222-3333-444455556666');
    const list = readable((await runCommand(t, 'route list')).body);
    expect(list.match(/:unlock:/g)).toHaveLength(1);
    expect(list).toContain(':unlock: plain http://: unless this name is on your LAN');
  });

  it('names PORTSIP_WEBHOOK_URL as the fallback, and removes a route', async () => {
    t = await startSmsopsUnderTest({
      PORTSIP_WEBHOOK_URL: 'https://pbx.example.com:8887/emc/Wavix/0d3c9a44-1111-2222-3333-444455556666',
    });
    await runCommand(t, 'route set default https://pbx2.example.com/emc/Wavix/ffff0000-1111-2222-3333-444455556666');
    expect(readable((await runCommand(t, 'route list')).body)).toContain('*default* (every other number)');
    expect(readable((await runCommand(t, 'route remove default')).body)).toContain('Route removed');
    expect(readable((await runCommand(t, 'route list')).body)).toContain(
      'go to PORTSIP_WEBHOOK_URL `https://pbx.example.com:8887/emc/Wavix/0d3c…`',
    );
    expect(readable((await runCommand(t, 'route remove default')).body)).toContain('There is no route for default');
  });

  it('refuses a URL that is not http(s), and a non-admin', async () => {
    t = await startSmsopsUnderTest();
    expect(readable((await runCommand(t, 'route set default ftp://pbx.example.com/x <#C0INBOX01>')).body)).toContain(
      'is not an http(s) URL',
    );
    expect(readable((await runCommand(t, 'route set default https://pbx.example.com/x', { userId: OUTSIDER })).body)).toContain(
      'Only the smsops admins',
    );
    expect(t.db.prepare('SELECT count(*) AS n FROM routes').get()).toEqual({ n: 0 });
  });
});

describe('/sms audit', () => {
  it('lists the last changes, newest first, with who made them and the result', async () => {
    t = await startSmsopsUnderTest();
    await runCommand(t, 'route set default https://pbx.example.com/emc/Wavix/ffff0000-1111-2222-3333-444455556666');
    await runCommand(t, 'number enable-inbound +44 20 7946 0000');
    await runCommand(t, 'route remove default', { userId: OUTSIDER });
    const text = readable((await runCommand(t, 'audit 2')).body);
    expect(text).toContain('Last 2 changes');
    const lines = text.split('\n').filter((l) => l.includes('<@'));
    expect(lines).toHaveLength(2);
    expect(lines[0]).toContain(`<@${OUTSIDER}> \`route.remove\` \`default\`: refused`);
    expect(lines[1]).toContain(`<@${ADMIN}> \`number.enable-inbound\` \`+442079460000\`: failed — `);
    expect(lines[1]).toContain('US and Canadian numbers only');
    expect(readable((await runCommand(t, 'audit 99')).body)).toContain('give a count from 1 to 50');
  });
});
