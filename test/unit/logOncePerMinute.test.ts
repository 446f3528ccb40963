import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/log.js';
import { warnOncePerMinute } from '../../src/logOncePerMinute.js';

describe('warnOncePerMinute', () => {
  it('says the first at once, then one line a minute per key with how many there were since', () => {
    const lines: Array<Record<string, unknown>> = [];
    const logger = createLogger({ level: 'debug', sink: (line) => lines.push(JSON.parse(line)) });
    let now = 1_000_000;
    const refused = warnOncePerMinute(
      logger,
      'webhook not stored',
      {},
      { countField: 'refusedSinceLastWarning', now: () => now },
    );
    for (let i = 0; i < 5; i++) refused('full', { error: 'the disk is full' });
    refused('locked', { error: 'locked' });
    now += 61_000;
    refused('full', { error: 'the disk is full' });
    expect(lines.map(({ msg, error, refusedSinceLastWarning }) => ({ msg, error, refusedSinceLastWarning }))).toEqual([
      { msg: 'webhook not stored', error: 'the disk is full', refusedSinceLastWarning: 1 },
      { msg: 'webhook not stored', error: 'locked', refusedSinceLastWarning: 1 },
      // The four said in the minute after the first, and this one.
      { msg: 'webhook not stored', error: 'the disk is full', refusedSinceLastWarning: 5 },
    ]);
  });
});
