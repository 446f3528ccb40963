import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import {
  ADMIN,
  OUTSIDER,
  readable,
  runCommand,
  type SmsopsUnderTest,
  slackTraffic,
  startSmsopsUnderTest,
} from '../helpers/smsopsUnderTest.js';

let t: SmsopsUnderTest | undefined;
let pbx: Server | undefined;

afterEach(async () => {
  await t?.stop();
  pbx?.close();
  t = undefined;
  pbx = undefined;
});

/**
 * A PortSIP API that cannot read what it is sent and says so quoting it, as a PBX did: the OAuth login form, with the
 * password in it form-encoded (`%40` for @, `+` for a space).
 */
async function echoingPbx(): Promise<string> {
  pbx = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    res.writeHead(400, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ errors: [{ code: 'INVALID_REQUEST', message: `cannot parse ${Buffer.concat(chunks)}` }] }));
  });
  await new Promise<void>((resolve) => pbx?.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(pbx.address() as AddressInfo).port}`;
}

/** The password as itself, percent-encoded and form-encoded. */
const spellings = (password: string) => [
  password,
  encodeURIComponent(password),
  new URLSearchParams({ p: password }).toString().slice(2),
];

describe('PortSIP echoing its login form', () => {
  it.each([
    ['with spaces and symbols', 'P@ss w0rd!&Zq9'],
    ['of five characters', 'pbx12'],
  ])('never shows the PortSIP password (%s) in Slack or the log: /sms portsip and /sms doctor', async (_, password) => {
    const url = await echoingPbx();
    t = await startSmsopsUnderTest({ PORTSIP_API_URL: url, PORTSIP_API_USER: 'admin', PORTSIP_API_PASSWORD: password });
    const outsider = readable((await runCommand(t, 'portsip', { userId: OUTSIDER })).body);
    const before = t.fakeSlack.responses.length;
    await runCommand(t, 'doctor', { userId: OUTSIDER });
    // The report replaces "Checking…" in a second post.
    const doctor = readable((await t.fakeSlack.waitForResponses(before + 2))[before + 1]?.body);
    const admin = readable((await runCommand(t, 'portsip', { userId: ADMIN })).body);

    // Still told what happened: the status and what it means, without PortSIP's words.
    expect(outsider).toContain('PortSIP refused to log in (HTTP 400)');
    expect(admin).toContain('PortSIP refused to log in (HTTP 400)');
    expect(doctor).toContain('PortSIP refused to log in (HTTP 400)');
    const seen = `${slackTraffic(t)}\n${t.logs.join('\n')}`;
    for (const spelling of spellings(password)) expect(seen).not.toContain(spelling);
    for (const shown of [outsider, doctor, admin]) expect(shown).not.toContain('cannot parse');
    expect(t.logs.join('\n')).not.toContain('grant_type');
  });
});
