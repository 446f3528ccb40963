import { afterEach, describe, expect, it } from 'vitest';
import { createSchemaWarningsRepository } from '../../src/store/repositories/schemaWarnings.js';
import { createTempDb, type TempDb } from '../helpers/tempDb.js';

let temp: TempDb;
afterEach(() => temp.cleanup());

describe('schema warnings', () => {
  it('summarises the window by route and most frequent problem, and keeps only the newest rows', () => {
    temp = createTempDb();
    const warnings = createSchemaWarningsRepository(temp.db, { now: temp.clock.now, keep: 4 });
    const start = temp.clock.now();
    warnings.record({ route: 'dlr', wavixMessageId: 'old', problems: ['charge null'] });
    temp.clock.advance(25 * 3_600_000);
    warnings.record({ route: 'inbound', wavixMessageId: 'a', problems: ['message_type null', 'extra unknown field'] });
    warnings.record({ route: 'inbound', wavixMessageId: 'b', problems: ['message_type null'] });
    warnings.record({ route: 'dlr', wavixMessageId: 'c', problems: ['segments_count string, expected number'] });
    const day = temp.clock.now() - 24 * 3_600_000;
    expect(warnings.summarySince(day)).toEqual({
      webhooks: 3,
      byRoute: { inbound: 2, dlr: 1 },
      top: [
        { problem: 'message_type null', count: 2 },
        { problem: 'extra unknown field', count: 1 },
        { problem: 'segments_count string, expected number', count: 1 },
      ],
      atLeast: true,
    });
    warnings.record({ route: 'dlr', wavixMessageId: 'd', problems: ['charge null'] });
    expect(temp.db.prepare('SELECT wavix_message_id AS id FROM schema_warnings ORDER BY id').all()).toEqual([
      { id: 'a' },
      { id: 'b' },
      { id: 'c' },
      { id: 'd' },
    ]);
    expect(warnings.summarySince(start).webhooks).toBe(4);
    expect(warnings.summarySince(temp.clock.now() + 1)).toEqual({ webhooks: 0, byRoute: {}, top: [], atLeast: false });
  });
});
