import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/log.js';
import { createInteractionsInFlight } from '../../src/slack/interactionsInFlight.js';
import { slowPart } from '../../src/slack/listeners/context.js';
import type { SlackMessage } from '../../src/slack/ui/text.js';

describe('slowPart', () => {
  it('turns a bug in a handler into a sentence for the person and an error line in the log', async () => {
    const replies: SlackMessage[] = [];
    const logs: string[] = [];
    const logger = createLogger({ sink: (line) => logs.push(line) });
    const deps = { logger, inFlight: createInteractionsInFlight(logger) };
    await slowPart({ reply: async (m) => void replies.push(m), deps: deps as never }, 'list the routes', async () => {
      throw new TypeError("Cannot read properties of undefined (reading 'x')");
    });
    expect(replies.map((r) => r.text)).toEqual([
      'smsops could not list the routes: an internal error occurred (it is in the smsops log).',
    ]);
    expect(JSON.parse(logs[0] ?? '{}')).toMatchObject({ level: 'error', error: expect.stringContaining('TypeError') });
  });

  it('stays out of the way when the handler succeeds', async () => {
    const replies: SlackMessage[] = [];
    const logger = createLogger({ level: 'silent' });
    await slowPart(
      { reply: async (m) => void replies.push(m), deps: { logger, inFlight: createInteractionsInFlight(logger) } as never },
      'x',
      async () => {},
    );
    expect(replies).toEqual([]);
  });
});
