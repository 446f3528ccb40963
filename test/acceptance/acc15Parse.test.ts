import { describe, expect, it } from 'vitest';
import { parseSmsCommand } from '../../src/slack/listeners/commands/parseCommand.js';

/** Acceptance of issue 15 (acc15): page arguments of the list commands. Failed on main at da7aa91 when written. */
describe('acc15 page arguments', () => {
  it('DEFECT acc15-3: `page 0x10`, `page 1e9`, `page 1e308` are not read as page numbers (doctor all refuses them; lists take 0x10 as 16)', () => {
    for (const word of ['0x10', '1e9', '1e308', '0b11', '2.0e1']) {
      const parsed = parseSmsCommand(`numbers page ${word}`);
      expect(parsed.ok, `numbers page ${word} -> ${JSON.stringify(parsed)}`).toBe(false);
    }
  });
});
