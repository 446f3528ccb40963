import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createAlertsRepository } from '../../src/store/repositories/alerts.js';
import { createDeliveriesRepository } from '../../src/store/repositories/deliveries.js';
import { createInboundRepository } from '../../src/store/repositories/inbound.js';
import { everyPage as everyPageOf, expectWithinSlackLimits } from '../helpers/slackPages.js';
import { ADMIN, readable, runCommand, type SmsopsUnderTest, startSmsopsUnderTest } from '../helpers/smsopsUnderTest.js';

/**
 * The lists issue 15 found cut silently on a large account: Sender IDs, open alerts, relay destinations. Each page
 * says what it left out and names the command for the next, and every item is reachable through those commands.
 */
let t: SmsopsUnderTest;
beforeEach(async () => {
  t = await startSmsopsUnderTest();
});
afterEach(async () => {
  await t.stop();
});
const everyPage = (first: string) => everyPageOf(t, first);

const distinct = (pages: string[], pattern: RegExp) => new Set(pages.flatMap((p) => p.match(pattern) ?? []));

describe('lists that were cut silently, on a large account', () => {
  it('/sms senderid list pages through 121 Sender IDs, newest first, saying how many are left', async () => {
    const { senderIds } = t.emulator.state();
    for (let i = 0; i < 120; i++) {
      senderIds.push({
        id: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
        sender_id: `Brand${String(i).padStart(3, '0')}`,
        type: 'alphanumeric',
        allowlisted_in: ['GB', 'FR', 'DE', 'ES', 'IT', 'NL'],
        usecase: 'transactional',
        samples: ['Your order has shipped'],
      });
    }
    // One Sender ID allowlisted almost everywhere: its countries take more than one section's 3,000 characters.
    const letters = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
    senderIds.push({
      id: 'ffffffff-0000-4000-8000-000000000000',
      sender_id: 'Everywhere',
      type: 'alphanumeric',
      allowlisted_in: [...letters].flatMap((a) => [...letters.slice(0, 8)].map((b) => `${a}${b}`)),
      usecase: 'transactional',
      samples: ['Your order has shipped'],
    });
    const pages = await everyPage('senderid list');
    expect(pages.length).toBeGreaterThan(2);
    expect(pages[0]).toMatch(/…and \d+ more Sender IDs — `\/sms senderid list page 2` shows the next ones\./);
    expect(pages[0]).toContain('Brand119');
    expect(pages.at(-1)).toContain('`/sms senderid list` starts again from the first.');
    expect(distinct(pages, /Brand\d{3}/g).size).toBe(120);
    expect(pages.join('\n')).toContain('*Wavix*');
    expect(pages.join('\n')).toContain('(ZH): approved');
  });

  it('/sms senderid status says how many matching records it leaves out', async () => {
    const { senderIds } = t.emulator.state();
    for (let i = 0; i < 45; i++) {
      senderIds.push({
        id: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
        sender_id: 'Acme',
        type: 'alphanumeric',
        allowlisted_in: ['GB', 'FR', 'DE', 'ES', 'IT', 'NL'],
        usecase: 'transactional',
        samples: ['Your order has shipped'],
      });
    }
    const { body } = await runCommand(t, 'senderid status Acme');
    expectWithinSlackLimits(body);
    const shown = distinct([readable(body)], /00000000-0000-4000-8000-\d{12}/g).size;
    expect(shown).toBeLessThan(45);
    expect(readable(body)).toContain(`…and ${45 - shown} more matching Sender IDs — \`/sms senderid list\` lists them all.`);
  });

  it('/sms alerts pages through 75 open alerts with long reasons, each page within Slack’s limits', async () => {
    const alerts = createAlertsRepository(t.db);
    for (let i = 0; i < 75; i++) {
      alerts.raise({
        rule: 'sender_id_rejected',
        subjectKey: `Brand${i}:GB`,
        severity: 'warning',
        facts: {
          senderId: `Brand${String(i).padStart(3, '0')}`,
          senderIdType: 'alphanumeric',
          country: 'GB',
          reason: `The brand is not registered with the carrier; ${'documents missing, '.repeat(8)}resubmit.`,
        },
      });
    }
    const pages = await everyPage('alerts');
    expect(pages.length).toBeGreaterThan(2);
    expect(pages[0]).toMatch(/…and \d+ more open alerts — `\/sms alerts page 2` shows the next ones\./);
    expect(distinct(pages, /Brand\d{3}/g).size).toBe(75);
    // The thresholds are on every page.
    for (const page of pages) expect(page).toContain('*Thresholds*');
  });

  it('/sms relay status pages through 90 destinations', async () => {
    const inbound = createInboundRepository(t.db);
    const deliveries = createDeliveriesRepository(t.db);
    for (let i = 0; i < 90; i++) {
      const { id } = inbound.insertWithDeliveries(
        {
          wavixMessageId: `m-${i}`,
          fromNumber: '447400123456',
          toNumber: '14155550100',
          messageType: 'sms',
          text: 'hello',
          media: null,
          receivedAtText: new Date().toISOString(),
          receivedAt: Date.now(),
          contentType: 'application/json',
          rawBody: Buffer.from('{}'),
        },
        [{ kind: 'portsip', destination: `https://pbx${String(i).padStart(3, '0')}.example.com/emc/x` }],
      );
      for (const d of deliveries.forMessage(id)) deliveries.markDead(d.id, { statusCode: 500, error: 'HTTP 500' });
    }
    const pages = await everyPage('relay status');
    expect(pages.length).toBeGreaterThan(1);
    expect(pages[0]).toMatch(/…and \d+ more destinations — `\/sms relay status page 2` shows the next ones\./);
    expect(distinct(pages, /pbx\d{3}\.example\.com/g).size).toBe(90);
  });

  it('reads `page N` after senderid list, alerts, relay status and inbox, and refuses a page that is not a number', async () => {
    const bad = await runCommand(t, 'alerts page two');
    expect(readable(bad.body)).toContain('give a page number from 1');
    const past = await runCommand(t, 'senderid list page 9');
    expect(readable(past.body)).toContain('There is no page 9; this is the last.');
  });
});

describe('a Sender ID split over two Wavix records', () => {
  it('is one row of the doctor, naming each record and its countries', async () => {
    const { senderIds } = t.emulator.state();
    for (const [id, countries] of [
      ['aaaaaaaa-0000-4000-8000-000000000001', ['FR']],
      ['bbbbbbbb-0000-4000-8000-000000000002', ['DE', 'GB']],
    ] as const) {
      senderIds.push({
        id,
        sender_id: 'Acme',
        type: 'alphanumeric',
        allowlisted_in: [...countries],
        usecase: 'transactional',
        samples: ['Your order has shipped'],
      });
    }
    const before = t.fakeSlack.responses.length;
    await runCommand(t, 'doctor all');
    const report = (await t.fakeSlack.waitForResponses(before + 2))[before + 1]?.body;
    const text = readable(report);
    expect(text.match(/Sender ID Acme \(alphanumeric\)/g)).toHaveLength(1);
    expect(text).toContain('Approved for DE, FR, GB.');
    expect(text).toContain(
      'On 2 Wavix records: aaaaaaaa-0000-4000-8000-000000000001 (FR); bbbbbbbb-0000-4000-8000-000000000002 (DE, GB).',
    );
  });
});

describe('help and App Home', () => {
  it('/sms help shows the pre-filled Sender ID form, the doctor’s ignore and all, and the alert buttons', async () => {
    const help = readable((await runCommand(t, 'help')).body);
    expect(help).toContain('/sms senderid create Acme FR GB');
    expect(help).toContain('/sms doctor ignore');
    expect(help).toContain('/sms doctor all');
    expect(help).toMatch(/\*Acknowledge\*.*\*Snooze 1h\*.*\*Mute rule\*/);
  });

  it('App Home says an open alert is acknowledged, and by whom', async () => {
    const alerts = createAlertsRepository(t.db);
    const { alert } = alerts.raise({
      rule: 'balance_low',
      subjectKey: 'account',
      severity: 'warning',
      facts: { balanceUsd: 4.5, thresholdUsd: 10 },
    });
    alerts.acknowledge(alert.id, ADMIN);
    await t.slack.event({ type: 'app_home_opened', user: ADMIN, channel: 'D0HOME0001', tab: 'home' });
    const [, second] = await t.fakeSlack.waitFor('views.publish', 2);
    const text = readable(second?.args.view);
    expect(text).toMatch(/balance.*_\(acknowledged by <@U0ADMIN001>\)_/i);
  });
});
