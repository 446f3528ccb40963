import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { blockLimitError } from '../../src/sandbox/fakeSlackApi.js';
import { formattedTexts } from '../helpers/slackText.js';
import {
  ADMIN,
  OUTSIDER,
  runCommand,
  type SmsopsUnderTest,
  slackTraffic,
  startSmsopsUnderTest,
  WEBHOOK_SECRET,
} from '../helpers/smsopsUnderTest.js';
import { startWebhookSink, type WebhookSink } from '../helpers/webhookSink.js';

// Exploratory probe (acceptance, issue 15): prints every violation found, asserts nothing about them.
let t: SmsopsUnderTest;
let sink: WebhookSink;
const violations: string[] = [];
beforeAll(async () => {
  sink = await startWebhookSink();
  t = await startSmsopsUnderTest(
    { PORTSIP_WEBHOOK_URL: `${sink.url}/emc/wavix`, SLACK_RELAY_PACE_MS: '0' },
    { emulator: { pbxDids: 300 } },
  );
}, 60_000);
afterAll(async () => {
  console.log(`VIOLATIONS (${violations.length}):\n${violations.join('\n')}`);
  const seen = `${slackTraffic(t)}\n${t.logs.join('\n')}`;
  for (const secret of t.secrets) if (seen.includes(secret)) console.log('SECRET LEAK', secret.slice(0, 6));
  await t.stop();
  await sink.close();
});

const PINGS = /<!channel>|<!here>|<!everyone>|<@U0EVIL>|<!subteam|<#C0EVIL>|<https?:\/\/evil/;
// biome-ignore lint/suspicious/noExplicitAny: structural
function check(label: string, body: any) {
  if (!body || typeof body !== 'object') {
    violations.push(`${label}: non-object body ${String(body).slice(0, 200)}`);
    return;
  }
  const lim = blockLimitError(body.blocks);
  if (lim) violations.push(`${label}: ${lim} (${body.blocks?.length} blocks)`);
  const all = JSON.stringify(body);
  if (all.length > 40_000) violations.push(`${label}: message JSON ${all.length} chars`);
  for (const s of [...formattedTexts(body.blocks ?? []), String(body.text ?? '')]) {
    if (PINGS.test(s))
      violations.push(
        `${label}: ping/link in formatted text: ${s.slice(Math.max(0, s.search(PINGS) - 60), s.search(PINGS) + 60)}`,
      );
    if (/\n\s+at .*\(|\.ts:\d+/.test(s)) violations.push(`${label}: stack trace?: ${s.slice(0, 200)}`);
    if (s.length === 0 && body.blocks?.length === 0) violations.push(`${label}: empty`);
  }
  if (!body.text) violations.push(`${label}: no fallback text`);
}

const H = '<!channel> <@U0EVIL> <!here> &lt; &amp; *b* :tada: \u202eRTL\u200b <#C0EVIL> <https://evil.example|x>';
const LONG = 'x'.repeat(5000);
const commands: string[] = process.env.CMDS
  ? process.env.CMDS.split('|')
  : [
      `doctor ignore ${'9'.repeat(5000)}`,
      `doctor ignore ${LONG}`,
      `doctor unignore ${'9'.repeat(5000)}`,
      `doctor ignore +12025550143 ${LONG}`,
      'doctor ignored',
      `doctor ignore +12025550143 ${'😀'.repeat(300)}`,
      'doctor ignored',
      'numbers page 1e9',
      `numbers page ${'9'.repeat(400)}`,
      `numbers find ${'9'.repeat(5000)}`,
      `numbers find ${LONG}`,
      `routes find ${LONG}`,
      `audit find ${LONG}`,
      `senderid create Acme ${LONG}`,
      `senderid create ${H}`,
      'senderid create Acme US CA',
      'senderid create acme fr gb',
    ];

describe('hostile commands', () => {
  it('probes', async () => {
    for (const user of process.env.MEMBER ? [ADMIN, OUTSIDER] : [ADMIN]) {
      for (const c of commands) {
        const label = `[${user === ADMIN ? 'admin' : 'member'}] /sms ${c.slice(0, 60)}`;
        try {
          const r = await runCommand(t, c, { userId: user });
          if (r.status !== 200) violations.push(`${label}: HTTP ${r.status}`);
          check(label, r.body);
          if (process.env.SHOW) console.log(label, '=>', JSON.stringify(r.body).slice(0, 600));
        } catch (e) {
          violations.push(`${label}: threw ${(e as Error).message}`);
        }
      }
    }
    // later posts (doctor replaces etc.)
    await new Promise((r) => setTimeout(r, 1500));
    t.fakeSlack.responses.forEach((r, i) => check(`response#${i}`, r.body));
    for (const c of t.fakeSlack.calls) if (c.args && (c.args.blocks || c.args.text)) check(`call ${c.method}`, c.args);
    for (const c of [...t.fakeSlack.callsTo('views.open'), ...t.fakeSlack.callsTo('views.update')]) {
      check('views.open', { text: 'x', blocks: c.args.view?.blocks });
      require('node:fs').appendFileSync('/tmp/acc15-views.jsonl', `${JSON.stringify(c.args.view)}\n`);
    }
    const ign = t.db.prepare('SELECT number, length(reason) l, reason FROM doctor_ignored_numbers').all();
    console.log('IGNORED ROWS', JSON.stringify(ign).slice(0, 2000));
    expect(true).toBe(true);
  }, 300_000);
});
