import { describe, expect, it } from 'vitest';
import { createDeletedUnseen } from '../../src/core/conversations/deletedReply.js';

describe('deletions of messages no reply was taken from yet', () => {
  it('are kept an hour, and the oldest go past the bound', () => {
    let now = 0;
    const unseen = createDeletedUnseen(() => now, 3_600_000, 2);
    unseen.remember('C1', '1.1');
    expect(unseen.has('C1', '1.1')).toBe(true);
    expect(unseen.has('C2', '1.1')).toBe(false);
    now = 3_599_999;
    expect(unseen.has('C1', '1.1')).toBe(true);
    now = 3_600_000;
    expect(unseen.has('C1', '1.1')).toBe(false);
    unseen.remember('C1', '2.1');
    unseen.remember('C1', '2.2');
    unseen.remember('C1', '2.3');
    expect([unseen.has('C1', '2.1'), unseen.has('C1', '2.2'), unseen.has('C1', '2.3')]).toEqual([false, true, true]);
  });
});
