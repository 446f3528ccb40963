import { describe, expect, it } from 'vitest';
import { countryOptionGroups } from '../../src/slack/ui/senderIdForm.js';

describe('the Sender ID form country list', () => {
  it('sorts and groups Åland Islands with the A countries, not between Rwanda and Samoa', () => {
    const groups = countryOptionGroups('alphanumeric');
    const codes = (label: string) => groups.find((g) => g.label.text === label)?.options.map((o) => o.value) ?? [];
    const aToC = codes('Countries A–C');
    expect(aToC).toContain('AX');
    expect(aToC.indexOf('AX')).toBe(aToC.indexOf('AF') + 1); // Afghanistan, Åland Islands, Albania
    expect(codes('Countries S–Z')).not.toContain('AX');
  });
});
