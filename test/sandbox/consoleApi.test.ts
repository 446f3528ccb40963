import { createHash } from 'node:crypto';
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SANDBOX_WORKSPACE } from '../../src/sandbox/workspace.js';
import { ACTION, CALLBACK, SENDER_ID_BLOCK } from '../../src/slack/ids.js';
import { formattedTexts, literalTexts } from '../helpers/slackText.js';
import { type SandboxUnderTest, senderIdFormValues, startSandboxUnderTest } from './sandboxUnderTest.js';

// biome-ignore lint/suspicious/noExplicitAny: the console state is read structurally
type Item = any;

const { alertChannel, inboxChannel, commandChannel, user } = SANDBOX_WORKSPACE;

describe('sandbox console API (plain HTTP, no browser)', () => {
  let t: SandboxUnderTest;
  beforeAll(async () => {
    t = await startSandboxUnderTest();
  });
  afterAll(async () => {
    await t?.stop();
  });

  const items = (state: { items: Item[] }, filter: (item: Item) => boolean) => state.items.filter(filter);

  it('serves one self-contained page whose Content-Security-Policy admits exactly its inline script and style', async () => {
    const response = await fetch(`${t.sandbox.url}/sandbox`);
    const html = await response.text();
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/html/);
    expect(html).toContain('SANDBOX');
    expect(html).toContain('Nothing here reaches Slack, Wavix or PortSIP');
    const script = /<script>([\s\S]*)<\/script>/.exec(html)?.[1] ?? '';
    const style = /<style>([\s\S]*)<\/style>/.exec(html)?.[1] ?? '';
    expect(script.length).toBeGreaterThan(1000);
    const hash = (text: string) => `'sha256-${createHash('sha256').update(text).digest('base64')}'`;
    const csp = response.headers.get('content-security-policy') ?? '';
    expect(csp).toContain(`script-src ${hash(script)}`);
    expect(csp).toContain(`style-src ${hash(style)}`);
    expect(csp).toContain("connect-src 'self'");
    // Nothing is loaded from elsewhere.
    expect(html).not.toMatch(/(src|href)="https?:/);
  });

  it('passes every other path to smsops untouched: health, and Slack requests (which still need a signature)', async () => {
    const health = await fetch(`${t.sandbox.url}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ status: 'ok' });
    const unsigned = await fetch(`${t.sandbox.url}/slack/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'command=%2Fsms&text=help',
    });
    expect(unsigned.status).toBe(401);
  });

  it('refuses the console through a proxy that sends Host 127.0.0.1 (nginx by default): a sandbox started by mistake on a server', async () => {
    // nginx's `proxy_pass http://127.0.0.1:3000` sends Host: 127.0.0.1:3000; before, the internet then set routes here
    // and made the sandbox post SMS to any LAN or loopback URL.
    const proxied = { 'x-forwarded-for': '203.0.113.9', 'content-type': 'application/json' };
    const page = await fetch(`${t.sandbox.url}/sandbox`, { headers: { via: '1.1 nginx' } });
    expect(page.status).toBe(403);
    const command = await fetch(`${t.sandbox.url}/sandbox/api/command`, {
      method: 'POST',
      headers: proxied,
      body: JSON.stringify({ text: 'route set default http://127.0.0.1:9/internal' }),
    });
    expect(command.status).toBe(403);
    expect(((await command.json()) as { error: string }).error).toContain('SMSOPS_SANDBOX_REQUIRE_TOKEN=1');
    // nginx with nothing but proxy_pass: no header added, HTTP/1.0 to the upstream.
    const bareNginx = await new Promise<string>((resolve, reject) => {
      const { port } = new URL(t.sandbox.url);
      const socket = connect(Number(port), '127.0.0.1', () =>
        socket.write(`GET /sandbox/api/state HTTP/1.0\r\nHost: 127.0.0.1:${port}\r\nConnection: close\r\n\r\n`),
      );
      let answer = '';
      socket.on('data', (chunk) => {
        answer += chunk.toString();
      });
      socket.on('end', () => resolve(answer));
      socket.on('error', reject);
    });
    expect(bareNginx).toMatch(/^HTTP\/1\.1 403/);
    expect(t.logs.some((line) => line.includes('asked for through a proxy'))).toBe(true);
    expect((await t.api('state')).status).toBe(200);
  });

  it("keeps the emulator's admin (every SMS, smsops' webhook secret, injecting SMS) from a local user without its key", async () => {
    // Its port is on loopback beside the console's: on a shared machine (SMSOPS_SANDBOX_REQUIRE_TOKEN) any user could
    // read the sandbox's SMS and webhook secret there, or inject SMS, around the console's token.
    const admin = `${t.sandbox.emulator.url}/_emulator`;
    const state = await fetch(`${admin}/state`);
    expect(state.status).toBe(401);
    expect(await state.text()).not.toContain('/webhooks/wavix/');
    const injected = await fetch(`${admin}/inbound`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ from: '+14155550123', to: '+14155550100', text: 'forged' }),
    });
    expect(injected.status).toBe(401);
    const keyed = await fetch(`${admin}/state`, { headers: { authorization: `Bearer ${t.sandbox.emulator.apiKey}` } });
    expect(keyed.status).toBe(200);
  });

  it("seeds the emulator account's inbound and delivery-report webhooks to point at smsops", () => {
    const profile = t.sandbox.emulator.state().profile;
    expect(profile.sms_relay_url).toMatch(new RegExp(`^${t.sandbox.url}/webhooks/wavix/inbound/[\\w-]{24,}$`));
    expect(profile.dlr_relay_url).toMatch(new RegExp(`^${t.sandbox.url}/webhooks/wavix/dlr/[\\w-]{24,}$`));
  });

  it('answers /sms help with a reply only the person sees', async () => {
    const sent = await t.api('command', { text: '/sms help' });
    expect(sent.status).toBe(200);
    const state = await t.waitForState(
      (s) => (items(s, (i) => i.kind === 'reply' && /smsops commands/.test(i.text)).length > 0 ? s : undefined),
      'the help reply',
    );
    expect(items(state, (i) => i.kind === 'command').map((i: Item) => i.text)).toContain('/sms help');
  });

  it('refuses other slash commands and requests that are not JSON', async () => {
    const other = await t.api('command', { text: '/giphy cats' });
    expect(other.status).toBe(400);
    expect(other.json.error).toContain('Only /sms');
    const form = await fetch(`${t.sandbox.url}/sandbox/api/command`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'text=help',
    });
    expect(form.status).toBe(400);
  });

  it("refuses another site's form or text/plain POSTs to the routes without a body: App Home stays shut, the form open", async () => {
    const forged = (path: string, contentType: string) =>
      fetch(`${t.sandbox.url}/sandbox/api/${path}`, {
        method: 'POST',
        headers: { origin: 'https://evil.example', 'content-type': contentType },
        body: 'x=1',
      });
    const home = await forged('home', 'application/x-www-form-urlencoded');
    expect(home.status).toBe(400);
    expect(await home.json()).toEqual({ error: 'send application/json' });

    await t.api('command', { text: '/sms senderid create' });
    const modal: Item = await t.waitForState((s) => s.modal ?? undefined, 'the Sender ID form');
    expect((await forged(`views/${modal.id}/close`, 'text/plain')).status).toBe(400);
    const state = (await t.api('state')).json;
    expect(state.modal?.id).toBe(modal.id);
    expect(state.home).toBeNull();
    expect(t.sandbox.fakeSlack.callsTo('views.publish')).toEqual([]);
    await t.api(`views/${modal.id}/close`, {});
    expect((await t.api('state')).json.modal).toBeNull();
  });

  it('creates a Sender ID through the modal: errors on the fields, then the confirmation, the announcement and its approval', async () => {
    await t.api('command', { text: '/sms senderid create' });
    const modal = await t.waitForState(
      (s) => (s.modal?.view.blocks.some((b: Item) => b.block_id === SENDER_ID_BLOCK.valueText) ? s.modal : undefined),
      'the Sender ID form',
    );
    expect(modal.view.callback_id).toBe(CALLBACK.senderIdCreate);

    await t.api(`views/${modal.id}/submit`, { values: senderIdFormValues({ value: 'A', countries: [] }) });
    const errors = await t.waitForState(
      (s) => (Object.keys(s.modal?.errors ?? {}).length > 0 ? s.modal.errors : undefined),
      'errors',
    );
    expect(errors.sid_value_text).toMatch(/at least 3 characters/);
    expect(errors.sid_countries).toMatch(/destination country/);

    await t.api(`views/${modal.id}/submit`, {
      values: senderIdFormValues({ value: 'Acme', countries: ['FR', 'GB'], samples: 'Your code is 1234' }),
    });
    const state = await t.waitForState(
      (s) =>
        s.modal?.view.title.text === 'Sender ID requested' &&
        items(s, (i) => i.kind === 'reply' && i.text.includes('Your Sender ID Acme was sent to Wavix')).length > 0 &&
        items(s, (i) => i.channel === alertChannel).length > 0
          ? s
          : undefined,
      'the confirmation and the announcement',
    );
    const [announcement] = items(state, (i) => i.channel === alertChannel && i.kind === 'message');
    expect(announcement.text).toBe(
      `Sender ID Acme (alphanumeric) requested by <@${user.id}> for FR, GB: approved in GB; FR pending carrier approval`,
    );
    const [confirmation] = items(state, (i) => i.text.includes('Your Sender ID Acme'));
    expect(confirmation.channel).toBe(commandChannel);

    await t.api(`views/${modal.id}/close`, {});
    const pending = state.emulator.pendingSenderIds;
    expect(pending).toEqual([expect.objectContaining({ senderId: 'Acme', pending: ['FR'] })]);

    const approved = await t.api(`sender-ids/${pending[0].id}/approve`, { country: 'FR' });
    expect(approved.status).toBe(200);
    const after = await t.waitForState(
      (s) => items(s, (i) => i.channel === alertChannel && /Approved\* in France \(FR\)/.test(JSON.stringify(i.blocks)))[0],
      'the approval announcement',
    );
    expect(after.text).toContain('Acme');
    expect((await t.api('state')).json.emulator.pendingSenderIds).toEqual([]);
    expect((await t.api('state')).json.modal).toBeNull();
  });

  it('serves the numeric Sender ID’s number search by sending smsops a signed block_suggestion', async () => {
    await t.api('command', { text: '/sms senderid create +44 7400 123456 DE' });
    const modal = await t.waitForState(
      (s) => (s.modal?.view.blocks.some((b: Item) => b.block_id === SENDER_ID_BLOCK.valueNumber) ? s.modal : undefined),
      'the numeric Sender ID form',
    );
    const number = modal.view.blocks.find((b: Item) => b.block_id === SENDER_ID_BLOCK.valueNumber);
    expect(number.element.type).toBe('external_select');
    const answer = await t.api(`views/${modal.id}/options`, {
      blockId: SENDER_ID_BLOCK.valueNumber,
      actionId: number.element.action_id,
      value: '7400',
    });
    expect(answer.status).toBe(200);
    expect(answer.json.options.map((o: Item) => o.value)).toEqual(['+447400123456']);
    await t.api(`views/${modal.id}/close`, {});
  });

  it('relays a simulated inbound SMS to PortSIP byte for byte and posts it, literal and outside mrkdwn, in the inbox channel', async () => {
    const text = '<!channel> & <b>hi</b> ünïcode';
    const sent = await t.api('inbound', { from: '+1 415 555 0123', to: '+14155550100', text });
    expect(sent.status).toBe(200);
    expect(sent.json.webhookStatus).toBe(200);

    const state = await t.waitForState(
      (s) => (s.portsip.length > 0 && items(s, (i) => i.channel === inboxChannel).length > 0 ? s : undefined),
      'the PortSIP delivery and the inbox post',
    );
    const sentByWavix = t.sandbox.emulator
      .state()
      .webhookAttempts.filter((a) => a.event === 'InboundMessage')
      .at(-1);
    expect(sentByWavix?.body).toContain(JSON.stringify(text));
    const [received] = t.sandbox.sink.received();
    expect(received?.body.equals(Buffer.from(sentByWavix?.body ?? '', 'utf8'))).toBe(true);
    expect(received?.path).toMatch(/^\/emc\/Wavix%20-%20Sandbox\/[0-9a-f-]{36}$/);
    expect(state.portsip[0]).toMatchObject({ method: 'POST', contentType: 'application/json', body: sentByWavix?.body });

    const [post] = items(state, (i) => i.channel === inboxChannel);
    expect(literalTexts(post.blocks)).toEqual([text]);
    for (const shown of formattedTexts(post.blocks)) expect(shown).not.toContain('<!channel>');
  });

  it('simulates an inbound MMS: its media reach PortSIP as Wavix posted them and show as links in the inbox post', async () => {
    const media = [
      'https://api.wavix.com/v3/messages/attachments/4f0c2a/photo.jpg',
      'https://api.wavix.com/v3/messages/attachments/4f0c2a/b.png',
    ];
    const sent = await t.api('inbound', { from: '+14155550123', to: '+14155550100', text: '', media });
    expect(sent.status).toBe(200);
    // The sandbox is shared by this file's tests: an earlier one's SMS may be in its state too.
    const withMedia = (body: string | undefined) => body?.includes('4f0c2a/photo.jpg') ?? false;
    const state = await t.waitForState(
      (s) =>
        s.portsip.some((p: Item) => withMedia(p.body)) &&
        items(s, (i) => i.channel === inboxChannel && withMedia(JSON.stringify(i.blocks))).length > 0
          ? s
          : undefined,
      'the PortSIP delivery and the inbox post',
    );
    const delivered = state.portsip.find((p: Item) => withMedia(p.body));
    expect(JSON.parse(delivered?.body ?? '{}').message_body).toEqual({ text: '', media });
    const [post] = items(state, (i) => i.channel === inboxChannel && withMedia(JSON.stringify(i.blocks)));
    expect(JSON.stringify(post.blocks)).toContain(`<${media[0]}|media 1> · <${media[1]}|media 2>`);
    expect(items(state, (i) => i.kind === 'note' && i.text.includes('posted an inbound MMS'))).toHaveLength(1);
    // More than Wavix's 5 attachments: refused by the console, as Wavix would not carry them.
    const six = await t.api('inbound', {
      from: '+14155550123',
      to: '+14155550100',
      text: '',
      media: [...media, ...media, ...media],
    });
    expect(six.status).toBe(400);
  });

  it('says why Wavix did not take an SMS to a number that is not SMS-enabled', async () => {
    const sent = await t.api('inbound', { from: '+14155550123', to: '+4930901820', text: 'hello' });
    expect(sent.json.error).toMatch(/not SMS-enabled/);
    const note = await t.waitForState(
      (s) => items(s, (i) => i.kind === 'note' && i.tone === 'error' && i.text.includes('not SMS-enabled'))[0],
      'the refusal note',
    );
    expect(note.text).toContain('+49 30 901820');
  });

  it('sends a click on a button of a reply as a signed block action, and shows the answer', async () => {
    await t.api('command', { text: '/sms number list' });
    const list = await t.waitForState(
      (s) => items(s, (i) => i.kind === 'reply' && i.blocks.some((b: Item) => b.type === 'actions'))[0],
      'the number list',
    );
    const actions = list.blocks.find((b: Item) => b.type === 'actions');
    const button = actions.elements[0];
    expect(button.action_id).toBe(ACTION.enableInbound);
    const clicked = await t.api(`items/${list.id}/actions`, {
      blockId: actions.block_id,
      actionId: button.action_id,
      type: 'button',
      value: button.value,
    });
    expect(clicked.json.status).toBe(200);
    await t.waitForState(
      (s) => items(s, (i) => i.kind === 'reply' && i.text === 'Inbound SMS is now active on +1 202 555 0143.')[0],
      'the answer to the click',
    );
    expect(t.sandbox.emulator.state().numbers.find((n) => n.number === '12025550143')?.sms_enabled).toBe(true);
  });

  it('points a number at smsops on its localhost address without saying Wavix cannot reach it: the emulator does', async () => {
    await t.api('command', { text: '/sms webhook set +1 613 555 0123' });
    const reply = await t.waitForState(
      (s) => items(s, (i) => i.kind === 'reply' && /Webhook of \+1 613 555 0123 updated/.test(JSON.stringify(i.blocks)))[0],
      'the webhook answer',
    );
    expect(JSON.stringify(reply.blocks)).not.toContain('cannot reach it');
    expect(t.sandbox.emulator.state().numbers.find((n) => n.number === '16135550123')?.sms_relay_url).toMatch(
      /^http:\/\/(localhost|127\.0\.0\.1):\d+\/webhooks\/wavix\/inbound\//,
    );
  });

  it("proposes the stand-in PortSIP's Wavix SMS configuration as the default route (/sms portsip)", async () => {
    await t.api('command', { text: '/sms portsip' });
    const reply = await t.waitForState(
      (s) => items(s, (i) => i.kind === 'reply' && /PortSIP SMS configurations on Wavix/.test(JSON.stringify(i.blocks)))[0],
      'the route proposals',
    );
    const text = JSON.stringify(reply.blocks);
    expect(text).toContain('*default* (every number without its own route)');
    expect(text).toContain('Use this route');
  });

  it('shows a file smsops uploads (the traffic chart) and serves its PNG', async () => {
    await t.api('command', { text: '/sms traffic 24h' });
    const file = await t.waitForState((s) => items(s, (i) => i.kind === 'file')[0], 'the chart upload');
    expect(file.channel).toBe(commandChannel);
    expect(file.file.mimetype).toBe('image/png');
    const response = await fetch(`${t.sandbox.url}/sandbox/api/files/${file.file.id}`);
    expect(response.headers.get('content-type')).toBe('image/png');
    const bytes = Buffer.from(await response.arrayBuffer());
    expect(bytes.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
    expect(bytes.length).toBe(file.file.size);
  });

  it('opens the App Home as Slack does (app_home_opened), and shows what smsops publishes', async () => {
    await t.api('home', {});
    const home = await t.waitForState(
      (s) => (s.home && JSON.stringify(s.home.view).includes('+1 415 555 0100') ? s.home : undefined),
      'the App Home with the numbers',
    );
    expect(home.view.type).toBe('home');
  });
});
