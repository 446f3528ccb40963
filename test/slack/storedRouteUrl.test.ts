import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { closeDatabase, openDatabase } from '../../src/store/database.js';
import {
  ADMIN,
  readable,
  runCommand,
  type SmsopsUnderTest,
  startSmsopsUnderTest,
  stopCheckingSecrets,
} from '../helpers/smsopsUnderTest.js';
import { startWebhookSink, type WebhookSink } from '../helpers/webhookSink.js';

let t: SmsopsUnderTest | undefined;
let sink: WebhookSink | undefined;
let dir: string | undefined;
afterEach(async () => {
  if (t) await stopCheckingSecrets(t);
  await sink?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
  t = sink = dir = undefined;
});

// biome-ignore lint/suspicious/noExplicitAny: Slack message bodies are asserted structurally
const sectionWith = (body: any, text: string) =>
  body.blocks.find((b: { type: string; text?: { text: string } }) => b.type === 'section' && b.text?.text.includes(text));

describe('a route an older smsops saved with ` #channel` in its URL', () => {
  it('is named at start, in /sms route list and by /sms doctor, and left as stored', async () => {
    sink = await startWebhookSink();
    const stored = `${sink.url}/emc/Wavix/0d3c1111-2222-3333-4444-555566667777 #sms-a`;
    // The row as e26f392 wrote it for `/sms route set +14155550100 <url> #sms-a`: the channel kept in the URL, none apart.
    dir = mkdtempSync(join(tmpdir(), 'smsops-old-route-'));
    const databasePath = join(dir, 'smsops.db');
    const { db } = openDatabase(databasePath);
    db.prepare(
      'INSERT INTO routes (number, portsip_url, slack_channel, created_by, created_at, updated_at) VALUES (?, ?, NULL, ?, ?, ?)',
    ).run('+14155550100', stored, ADMIN, Date.now(), Date.now());
    closeDatabase(db);

    t = await startSmsopsUnderTest({ DATABASE_PATH: databasePath });

    // Start-up: a warning line naming the route, its URL masked as everywhere.
    const warning = t.smsops.summary.find((line) => line.msg.includes('PortSIP route +1 415 555 0100'));
    expect(warning?.level).toBe('warn');
    expect(warning?.msg).toBe(
      `PortSIP route +1 415 555 0100 → ${sink.url}/emc/Wavix/0d3c…#… cannot be right: it ends with \` #…\`: an older smsops kept the channel typed after the URL as part of the URL, so the relay posts to it with \`%20\` after PortSIP’s ID, which PortSIP does not know. Set the route again: \`/sms route set <number> <URL> #channel\`.`,
    );
    const logged = t.logs.map((line) => JSON.parse(line)).find((l) => l.msg.startsWith('a stored PortSIP route cannot be right'));
    expect(logged).toMatchObject({ level: 'warn', route: '+14155550100', url: `${sink.url}/emc/Wavix/0d3c…#…` });

    const list = readable((await runCommand(t, 'route list')).body);
    expect(list).toContain('*+1 415 555 0100* → PortSIP');
    expect(list).toContain(':no_entry: This URL cannot be right: it ends with ` #…`: an older smsops kept the channel');

    const before = t.fakeSlack.responses.length;
    await runCommand(t, 'doctor');
    const report = (await t.fakeSlack.waitForResponses(before + 2))[before + 1]?.body;
    const portsip = sectionWith(report, 'PortSIP route +1 415 555 0100');
    expect(portsip.text.text).toContain(':x:');
    expect(portsip.text.text).toContain('This URL cannot be right: it ends with ` #…`');
    expect(portsip.text.text).not.toContain('Answers');

    // Reported, never rewritten: which channel was meant is the person's to say.
    expect(t.db.prepare('SELECT portsip_url AS url, slack_channel AS channel FROM routes').all()).toEqual([
      { url: stored, channel: null },
    ]);
    expect(JSON.stringify([t.logs, t.fakeSlack.responses])).not.toContain('0d3c1111-2222');
  });
});
