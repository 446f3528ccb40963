import { expect } from 'vitest';
import { readable, type SmsopsUnderTest } from './smsopsUnderTest.js';
import { waitUntil } from './waitUntil.js';

let presses = 0;

/**
 * Presses a button as `userId` (a signed block_actions with its own response_url) and returns what the presser reads:
 * the answer smsops sent to that response_url, which must replace the message the button was on.
 */
export async function pressForAnswer(
  s: SmsopsUnderTest,
  actionId: string,
  value: string,
  userId: string,
  timeoutMs = 10_000,
): Promise<string> {
  const name = `press-${++presses}`;
  const responseUrl = `${s.fakeSlack.responseUrl}${name}`;
  // Such a button sits on an answer to one person (ephemeral): on a message the whole channel sees, smsops replaces nothing.
  const response = await s.slack.blockAction({ actionId, value, userId, responseUrl, isEphemeral: true });
  expect(response.status).toBe(200);
  const answer = await waitUntil(
    () => s.fakeSlack.responses.find((r) => r.path.endsWith(`/${name}`)),
    timeoutMs,
    'the answer to the press',
  );
  expect(answer.body.replace_original).toBe(true);
  return readable(answer.body);
}
