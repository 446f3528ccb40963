import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { addManyNumbers } from '../../src/sandbox/emulator/seed.js';
import { createAuditRepository } from '../../src/store/repositories/audit.js';
import { createRoutesRepository } from '../../src/store/repositories/routes.js';
import { everyPage as everyPageOf, expectWithinSlackLimits } from '../helpers/slackPages.js';
import { ADMIN, readable, runCommand, type SmsopsUnderTest, startSmsopsUnderTest } from '../helpers/smsopsUnderTest.js';

let t: SmsopsUnderTest;
beforeEach(async () => {
  t = await startSmsopsUnderTest();
  // The seeded account has 7 numbers; with these, 307: an operator's real PBX.
  addManyNumbers(t.emulator.state(), 300);
});
afterEach(async () => {
  await t.stop();
});
const everyPage = (first: string) => everyPageOf(t, first);

const numbersIn = (text: string) => new Set(text.match(/\+1 202 556 \d{4}/g) ?? []);

describe('long lists on an account with 300 numbers', () => {
  it('App Home says how many numbers it leaves out and how to see them, within Slack’s limits', async () => {
    await t.slack.event({ type: 'app_home_opened', user: ADMIN, channel: 'D0HOME0001', tab: 'home' });
    const [, second] = await t.fakeSlack.waitFor('views.publish', 2);
    // biome-ignore lint/suspicious/noExplicitAny: the published view
    const view = second?.args.view as any;
    const text = readable(view);
    expect(text).toContain('*Numbers* (307)');
    expect(text).toContain('…and 282 more numbers — `/sms numbers` lists them all, 20 a page (`/sms numbers page 2` and on)');
    expect(view.blocks.length).toBeLessThanOrEqual(100);
    for (const block of view.blocks) {
      if (block.type === 'section') expect(block.text.text.length).toBeLessThanOrEqual(3000);
    }
    expect(text).toMatch(/Updated <!date\^\d+\^\{date_short_pretty\} \{time\}\|[^>]+ UTC>/);
    expect(text).not.toMatch(/Updated \d{4}-\d{2}-\d{2}/);
  });

  it('/sms numbers reaches every number page by page, each page within Slack’s limits', async () => {
    const pages = await everyPage('numbers');
    expect(pages).toHaveLength(16);
    expect(pages[0]).toContain('Page 1 of 16 (numbers 1–20 of 307).');
    expect(pages.at(-1)).toContain('Page 16 of 16 (numbers 301–307 of 307).');
    const seen = new Set(pages.flatMap((p) => [...numbersIn(p)]));
    expect(seen.size).toBe(300);
    expect(pages.join('\n')).toContain('+1 415 555 0100');
  });

  it('/sms numbers finds numbers by digits, and pages through what it found', async () => {
    const one = await runCommand(t, 'numbers +1 202 556 0123');
    expectWithinSlackLimits(one.body);
    expect([...numbersIn(readable(one.body))]).toEqual(['+1 202 556 0123']);

    const pages = await everyPage('numbers 20255601');
    expect(pages).toHaveLength(5);
    expect(pages[0]).toContain('*100 of 307 numbers match `20255601`*');
    expect(new Set(pages.flatMap((p) => [...numbersIn(p)])).size).toBe(100);

    // A label search's next page is named with `find`, so the command it gives is one smsops reads.
    const labelled = await everyPage('numbers find desk');
    expect(labelled).toHaveLength(2);
    expect(labelled[0]).toContain('`/sms numbers find desk page 2` shows the next ones.');
    expect(new Set(labelled.flatMap((p) => [...numbersIn(p)])).size).toBe(30);

    const none = await runCommand(t, 'numbers 999999');
    expect(readable(none.body)).toContain('No number of the 307 matches `999999`.');
  });

  it('/sms routes reaches every one of 300 routes page by page', async () => {
    const routes = createRoutesRepository(t.db);
    for (let i = 0; i < 300; i++) {
      routes.set({
        number: `+1202556${String(i).padStart(4, '0')}`,
        portsipUrl: `https://pbx.example.com:8887/api/emc/Wavix/ffff0000-1111-2222-3333-${String(i).padStart(12, '0')}`,
        slackChannel: null,
        by: ADMIN,
      });
    }
    const pages = await everyPage('routes');
    expect(pages.length).toBeGreaterThan(1);
    expect(pages[0]).toMatch(/…and \d+ more routes — `\/sms routes page 2` shows the next ones\./);
    expect(new Set(pages.flatMap((p) => [...numbersIn(p)])).size).toBe(300);
  });

  it('/sms audit reaches the oldest change page by page, and says how many older ones there are', async () => {
    const audit = createAuditRepository(t.db);
    for (let i = 0; i < 125; i++) {
      audit.record({ actor: ADMIN, action: 'route.set', target: `+1202556${String(i).padStart(4, '0')}`, outcome: 'ok' });
    }
    const first = await runCommand(t, 'audit 50');
    expectWithinSlackLimits(first.body);
    expect(readable(first.body)).toContain('…and 75 more changes — `/sms audit 50 page 2` shows the next 50, older ones.');
    const pages = await everyPage('audit 50');
    expect(pages).toHaveLength(3);
    expect(new Set(pages.flatMap((p) => p.match(/\+1202556\d{4}/g) ?? [])).size).toBe(125);
    expect(pages.at(-1)).not.toContain('more changes');
  });
});
