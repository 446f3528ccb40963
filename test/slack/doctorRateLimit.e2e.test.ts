import { afterEach, describe, expect, it } from 'vitest';
import { createRoutesRepository } from '../../src/store/repositories/routes.js';
import {
  ADMIN,
  OUTSIDER,
  readable,
  type SmsopsUnderTest,
  startSmsopsUnderTest,
  stopCheckingSecrets,
} from '../helpers/smsopsUnderTest.js';
import { waitUntil } from '../helpers/waitUntil.js';

/**
 * `/sms doctor` on a workspace with 150 routes, each posting to its own channel, while Slack rate-limits the channel
 * look-ups (as it does a burst of them), through signed requests to the real Bolt receiver with the production Web
 * API settings: a 429 of doctor's must not pause the client that answers other people.
 */

let t: SmsopsUnderTest;
afterEach(async () => {
  await stopCheckingSecrets(t);
});

const ROUTES = 150;
const RETRY_AFTER_SECONDS = 20;

describe('/sms doctor rate-limited by Slack', () => {
  it('leaves other people’s forms opening at once, and says Slack rate-limited the channel checks', async () => {
    t = await startSmsopsUnderTest();
    const routes = createRoutesRepository(t.db);
    for (let i = 0; i < ROUTES; i++) {
      const n = String(i).padStart(4, '0');
      routes.set({ number: `+1202556${n}`, portsipUrl: null, slackChannel: `C0CHAN${n}`, by: ADMIN });
    }
    t.fakeSlack.rateLimit('users.conversations', RETRY_AFTER_SECONDS, 10_000);
    t.fakeSlack.rateLimit('conversations.info', RETRY_AFTER_SECONDS, 10_000);
    let commandAt = Number.POSITIVE_INFINITY;
    // Slack's own rule: a trigger_id opens a modal within 3 s of the command, not later.
    t.fakeSlack.handle('views.open', (call) => (call.at - commandAt > 3_000 ? { ok: false, error: 'expired_trigger_id' } : {}));

    await t.slack.command('doctor', { userId: ADMIN });
    await waitUntil(() => t.fakeSlack.calls.some((c) => c.rateLimited), 10_000, 'Slack rate-limiting the doctor');
    commandAt = Date.now();
    await t.slack.command('senderid create', { userId: OUTSIDER });

    const [opened] = await t.fakeSlack.waitFor('views.open', 1, 45_000);
    expect(opened?.error).toBeUndefined();
    const report = await waitUntil(
      () => t.fakeSlack.responses.map((r) => readable(r.body)).find((text) => text.includes('SMS doctor')),
      20_000,
      'the doctor report',
    );
    expect(report).toContain(
      `Slack rate-limited these checks (retry after ${RETRY_AFTER_SECONDS} s): ${ROUTES + 1} channels were not checked.`,
    );
    expect(report).not.toContain('No answer within');
    expect(t.fakeSlack.responses.map((r) => readable(r.body)).join('\n')).not.toContain('did not open the form');
    // Time for the old fault to show itself (the modal going out after the Retry-After) rather than a bare timeout.
  }, 60_000);
});
