import { existsSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { SENDER_ID_BLOCK } from '../../src/slack/ids.js';
import { type SandboxUnderTest, senderIdFormValues, startSandboxUnderTest } from './sandboxUnderTest.js';

/**
 * The sandbox console in a real browser: Debian's Chromium driven by playwright-core (no browser download). `npm test`
 * never installs anything: without Chromium this file reports itself skipped, loudly, with the command that installs
 * it (`npm run setup:browser`); .ci/run installs it first, and under CI a missing Chromium is a failure, not a skip.
 */
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const HAS_CHROMIUM = existsSync(CHROMIUM);
if (!HAS_CHROMIUM && !process.env.CI) {
  process.stderr.write(
    `\n*** SKIPPED: the sandbox console browser test needs Chromium at ${CHROMIUM}; run \`npm run setup:browser\` (or set CHROMIUM_PATH) ***\n\n`,
  );
}
const SCREENSHOT = fileURLToPath(new URL('../../test-artifacts/sandbox.png', import.meta.url));
const WAIT = { timeout: 15_000 };

const form = (page: Page, title: string) => page.locator(`form.modal[aria-label="${title}"]`);
const block = (id: string) => `[data-block-id="${id}"]`;

describe.skipIf(!HAS_CHROMIUM && !process.env.CI)('sandbox console in Chromium', { timeout: 60_000 }, () => {
  let browser: Browser;
  // Each test has its own sandbox (its own database, emulator and fake Slack) and its own browser context: none
  // relies on what another left behind, and each runs alone (`-t`) as it does in the file.
  let t: SandboxUnderTest;
  let context: BrowserContext;
  let page: Page;
  let pageErrors: string[];

  beforeAll(async () => {
    if (!HAS_CHROMIUM) throw new Error(`Chromium is missing at ${CHROMIUM}: run \`npm run setup:browser\``);
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
  }, 30_000);

  beforeEach(async () => {
    t = await startSandboxUnderTest();
    context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
    page = await context.newPage();
    pageErrors = [];
    page.on('pageerror', (error) => pageErrors.push(error.message));
    page.on('console', (message) => {
      if (message.type() === 'error') pageErrors.push(message.text());
    });
    await page.goto(t.sandbox.consoleUrl);
    await page.locator('body[data-ready="true"]').waitFor({ state: 'attached', ...WAIT });
  }, 30_000);

  afterEach(async () => {
    await context?.close();
    await t?.stop();
    // Whatever the test did, the page threw nothing and logged no error.
    expect(pageErrors).toEqual([]);
  });

  afterAll(async () => {
    await browser?.close();
  });

  it('says plainly that it is a sandbox', async () => {
    const banner = page.getByTestId('sandbox-banner');
    expect(await banner.isVisible()).toBe(true);
    expect(await banner.textContent()).toMatch(/SANDBOX\s+Nothing here reaches Slack, Wavix or PortSIP/);
    expect(await page.title()).toContain('SANDBOX');
  });

  it('creates a Sender ID: /sms senderid create, the form with its errors, the confirmation and the alert-channel post', async () => {
    await page.getByTestId('command-input').fill('/sms senderid create');
    await page.getByTestId('command-input').press('Enter');
    const senderIdForm = form(page, 'New Sender ID');
    await senderIdForm.locator(`${block(SENDER_ID_BLOCK.valueText)} input`).waitFor(WAIT);

    // Submitted empty: smsops answers response_action "errors", shown on the fields.
    await page.getByTestId('modal-submit').click();
    await senderIdForm.locator(`.input-block.invalid${block(SENDER_ID_BLOCK.valueText)}`).waitFor(WAIT);
    expect(await senderIdForm.locator(`${block(SENDER_ID_BLOCK.countries)} .field-error`).textContent()).toMatch(
      /destination country/,
    );

    await senderIdForm.locator(`${block(SENDER_ID_BLOCK.valueText)} input`).fill('Acme');
    await senderIdForm.locator(`${block(SENDER_ID_BLOCK.countries)} select`).selectOption(['FR', 'GB']);
    await senderIdForm.locator(`${block(SENDER_ID_BLOCK.usecase)} select`).selectOption('transactional');
    await senderIdForm.locator(`${block(SENDER_ID_BLOCK.samples)} textarea`).fill('Your Acme code is 123456');
    await page.getByTestId('modal-submit').click();

    const done = form(page, 'Sender ID requested');
    await done.waitFor(WAIT);
    expect(await done.textContent()).toContain('Acme was sent to Wavix.');
    await page.getByTestId('modal-close').click();
    await page.getByTestId('modal').waitFor({ state: 'hidden', ...WAIT });

    const confirmation = page.locator('[data-kind="reply"]', { hasText: 'Your Sender ID Acme was sent to Wavix' });
    await confirmation.waitFor(WAIT);
    expect(await confirmation.textContent()).toContain('Only visible to you');
    const announcement = page.locator('[data-kind="message"][data-channel="smsops-alerts"]', {
      hasText: 'Sender ID Acme (alphanumeric) requested by @you for FR, GB: approved in GB; FR pending carrier approval',
    });
    await announcement.waitFor(WAIT);
    // The mention is drawn as a chip, not as the raw <@U…> text.
    expect(await announcement.locator('.chip-user').first().textContent()).toBe('@you');
  });

  it('searches the numbers of a numeric Sender ID (external_select) and requests the one chosen', async () => {
    await page.getByTestId('command-input').fill('/sms senderid create +44 7400 123456 DE');
    await page.getByTestId('command-input').press('Enter');
    const senderIdForm = form(page, 'New Sender ID');
    const numberBlock = senderIdForm.locator(block(SENDER_ID_BLOCK.valueNumber));
    await numberBlock.locator('input[type="search"]').waitFor(WAIT);
    // Filled from the command; the search answers from smsops as the person types.
    expect(await numberBlock.locator('select').inputValue()).toBe('+447400123456');
    await numberBlock.locator('input[type="search"]').fill('613');
    await numberBlock.locator('select option[value="+447400123456"]').waitFor({ state: 'detached', ...WAIT });
    expect(await numberBlock.locator('select option[value="+16135550123"]').count()).toBe(1);
    await numberBlock.locator('input[type="search"]').fill('7400');
    await numberBlock.locator('select option[value="+447400123456"]').waitFor({ state: 'attached', ...WAIT });
    await numberBlock.locator('select').selectOption('+447400123456');
    await page.getByTestId('modal-submit').click();
    await form(page, 'Sender ID requested').waitFor(WAIT);
    expect(t.sandbox.emulator.state().senderIds.some((s) => s.sender_id === '447400123456')).toBe(true);
  });

  it('approves the pending country in the emulator and shows the announcement of the approval', async () => {
    // The Sender ID requested through the console's API (the form's own test is above), not left by that test.
    await t.api('command', { text: '/sms senderid create' });
    const modal = await t.waitForState((s) => s.modal ?? undefined, 'the Sender ID form');
    await t.api(`views/${modal.id}/submit`, { values: senderIdFormValues({ value: 'Acme', countries: ['FR', 'GB'] }) });
    await t.waitForState((s) => (s.emulator.pendingSenderIds.length > 0 ? true : undefined), 'the pending Sender ID');
    await t.api(`views/${modal.id}/close`, {});

    const pending = page.getByTestId('pending-sender-id').filter({ hasText: 'Acme' });
    await pending.locator('button[data-verdict="approve"][data-country="FR"]').click();
    await page
      .locator('[data-kind="message"][data-channel="smsops-alerts"]', { hasText: 'Approved in France (FR)' })
      .last() // the reply, drawn in the thread of the request's announcement (which contains it)
      .waitFor(WAIT);
  });

  it('relays a simulated inbound SMS: rendered harmlessly in #sms-inbox, and byte for byte in the PortSIP panel', async () => {
    const text = '*notbold* _x_ ~y~ `code` :tada: <!channel> &amp; <http://x|y> & <b>hi</b>';
    expect(await page.getByTestId('sms-to').inputValue()).toBe('+14155550100');
    await page.getByTestId('sms-text').fill(text);
    await page.getByTestId('sms-send').click();

    const post = page.locator('[data-kind="message"][data-channel="sms-inbox"]', { hasText: text });
    await post.waitFor(WAIT);
    // Shown exactly as sent: the asterisks, underscores, tildes, backticks, shortcode and entity as typed; no
    // formatting, emoji, @channel chip or link made of the SMS.
    expect(await post.locator('pre.rich-text-preformatted').textContent()).toBe(text);
    for (const tag of ['b', 'i', 's', 'code', 'a'])
      expect(await post.locator(tag, { hasText: /notbold|^x$|^y$|^code$|^hi$/ }).count()).toBe(0);
    expect(await post.locator('.chip-broadcast').count()).toBe(0);
    expect(await post.textContent()).not.toContain('🎉');

    const body = page.getByTestId('portsip-body').first();
    await body.waitFor(WAIT);
    const sentByWavix = t.sandbox.emulator
      .state()
      .webhookAttempts.filter((a) => a.event === 'InboundMessage')
      .at(-1)?.body;
    expect(t.sandbox.sink.received().map((r) => r.body.toString('utf8'))).toEqual([sentByWavix]);
    expect(await body.textContent()).toBe(sentByWavix);

    mkdirSync(dirname(SCREENSHOT), { recursive: true });
    await page.screenshot({ path: SCREENSHOT });
    expect(existsSync(SCREENSHOT)).toBe(true);
  });

  it('renders hostile mrkdwn as text: only http(s) links, entities as characters, no markup from text', async () => {
    const render = async (mrkdwn: string) =>
      (await page.evaluate(`(() => {
        const box = document.createElement('div');
        box.innerHTML = window.smsopsSandbox.renderMrkdwn(${JSON.stringify(mrkdwn)});
        return {
          tags: [...box.querySelectorAll('*')].map((e) => e.tagName.toLowerCase()),
          hrefs: [...box.querySelectorAll('a')].map((a) => a.getAttribute('href')),
          text: box.textContent,
          attributes: [...box.querySelectorAll('*')].flatMap((e) => [...e.attributes].map((a) => a.name)),
        };
      })()`)) as { tags: string[]; hrefs: string[]; text: string; attributes: string[] };

    const script = await render('&lt;img src=x onerror=alert(1)&gt; <script>alert(1)</script>');
    expect(script.tags).toEqual([]);
    // A raw <…> is a Slack control sequence: "<script>" is read as a (refused) link whose text is "script".
    expect(script.text).toBe('<img src=x onerror=alert(1)> scriptalert(1)/script');

    const links = await render('<javascript:alert(1)|click> <https://example.com/?a=1&amp;b=2|docs> <data:text/html,x>');
    expect(links.hrefs).toEqual(['https://example.com/?a=1&b=2']);
    expect(links.text).toBe('click docs data:text/html,x');

    const quotes = await render('<https://example.com/"onmouseover="alert(1)|x>');
    expect(quotes.attributes.sort()).toEqual(['href', 'rel', 'target']);

    const formatting = await render('*bold* _it_ ~gone~ `a *not bold* <@U1>` <@U0SANDBOX1> <#C0SBALERTS> <!here> &amp;lt;');
    expect(formatting.tags).toEqual(['b', 'i', 's', 'code', 'span', 'span', 'span']);
    expect(formatting.text).toBe('bold it gone a *not bold* <@U1> @you #smsops-alerts @here &lt;');
  });
});
