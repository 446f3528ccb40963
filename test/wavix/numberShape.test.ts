import { describe, expect, it } from 'vitest';
import { toNumberState } from '../../src/core/numbers.js';
import { numberSchema } from '../../src/wavix/schemas.js';

const listed = (number: string) =>
  numberSchema.parse({ id: 7, number, country_short_name: 'US', status: 'active', sms_enabled: true });

describe("a Wavix number's digits", () => {
  it('are the same E.164 number however Wavix spaces or prefixes them, as the relay reads inbound SMS to it', () => {
    // Documented as digits; "+1 202 555 0100" read as-is became "++1 202 555 0100", which no route named.
    for (const shown of ['12025550100', '+12025550100', '+1 202 555 0100', '1 (202) 555-0100']) {
      expect(toNumberState(listed(shown), null, null).e164).toBe('+12025550100');
    }
  });
});
