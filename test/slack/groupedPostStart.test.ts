import { describe, expect, it } from 'vitest';
import { customerThreadStart } from '../../src/slack/ui/groupedPost.js';

const sectionOf = (from: string) =>
  String((customerThreadStart(from, '14155550100', 'U0REPLY001').blocks[0] as { text: { text: string } }).text.text);

describe("the post a grouped SMS's Answer starts a thread with", () => {
  it('offers `/sms inbox` only for Wavix digits, which is all it finds', () => {
    expect(sectionOf('447400123456')).toContain('`/sms inbox +447400123456` lists them');
    // A national form kept as sent (no number of the smsops number's country): `/sms inbox +07400123456` finds nothing.
    for (const from of ['07400123456', '72975', 'GOOGLE']) expect(sectionOf(from)).not.toContain('/sms inbox');
  });
});
