import { describe, expect, it } from 'vitest';
import { failureReasonShown } from '../../src/core/model/traffic.js';

describe('a failure reason as any member reads it', () => {
  it('keeps a carrier title as it is, apostrophes included', () => {
    expect(failureReasonShown('Rejected by far-end carrier')).toBe('Rejected by far-end carrier');
    expect(failureReasonShown("Not delivered: the recipient's handset is off")).toBe(
      "Not delivered: the recipient's handset is off",
    );
  });

  it('cuts quoted content in any quotes, numbers, and words past a title’s length', () => {
    expect(failureReasonShown('Filtered “Your code is 123456” for +1 (415) 555-0100')).toBe('Filtered "…" for a number');
    expect(failureReasonShown('Spam «PANGOLIN42» to 0044.7400.918273')).toBe('Spam "…" to a number');
    const long = failureReasonShown(`Carrier said ${'content without quotes '.repeat(20)}`);
    expect([...long]).toHaveLength(100);
    expect(long.endsWith('…')).toBe(true);
  });

  // A link in a carrier's reason is the SMS's own (a reset link and its token), shown to every member (a probe).
  it('shows any link as "a link", with a scheme, from www. or a host with a path, and leaves a bare host', () => {
    expect(failureReasonShown('Blocked URL https://reset.example.com/t/8f3a9c2b1d7e?u=jane')).toBe('Blocked URL a link');
    expect(failureReasonShown('Shortener bit.ly/3xYzAb and www.example.org/offer not allowed')).toBe(
      'Shortener a link and a link not allowed',
    );
    expect(failureReasonShown('Link HTTP://EXAMPLE.COM/20260115/4155550100 blocked')).toBe('Link a link blocked');
    expect(failureReasonShown('Rejected by carrier.example: spam')).toBe('Rejected by carrier.example: spam');
  });

  // The same link in other forms left the token shown and clickable: a port, a query or fragment with no path, IDN and
  // punycode hosts, defanged or backslashed schemes, encoded slashes, an IP with a path, data: and mailto: (a probe).
  it('shows a link in any form Slack or a reader follows as "a link", and an email address as "an address"', () => {
    for (const link of [
      'evil.com:8443/r?t=S3CRET',
      'evil.com?t=S3CRET',
      'evil.com#S3CRET',
      'evil.com%2Fr%3Ft%3DS3CRET',
      'evil.com\\r?t=S3CRET',
      'evil.com／r?t=S3CRET',
      'xn--80ak6aa92e.xn--p1ai/r?t=S3CRET',
      'пример.рф/r?t=S3CRET',
      'hxxps[:]//evil[.]com/r?t=S3CRET',
      'https:\\\\evil.com\\S3CRET',
      'http:/evil.com/S3CRET',
      '//evil.com/r?t=S3CRET',
      '10.1.2.3/r?t=S3CRET',
      'data:text/plain;base64,UzNDUkVU',
      'mailto:jane@example.com?body=S3CRET',
      'sms:+14155550100?body=S3CRET',
    ])
      expect(failureReasonShown(`Blocked ${link} here`)).toBe('Blocked a link here');
    expect(failureReasonShown('Spam from jane.doe@example.com')).toBe('Spam from an address');
    expect(failureReasonShown('Rejected by carrier.example: spam (code 30007)')).toBe(
      'Rejected by carrier.example: spam (code 30007)',
    );
  });

  // A hostile or broken carrier reason of 100 KB held the event loop for 23 s on each read (/sms traffic, the alert, the
  // digest), every SMS waiting behind it (a probe).
  it('reads a reason of any length in a few milliseconds', () => {
    for (const long of ['a.'.repeat(50_000), 'ab-'.repeat(40_000), 'a+'.repeat(50_000)]) {
      const started = performance.now();
      expect([...failureReasonShown(long)].length).toBeLessThanOrEqual(100);
      expect(performance.now() - started).toBeLessThan(200);
    }
  });

  // Reading only the first 1,000 characters left a quoted SMS longer than that without its closing quote, and its
  // first 70 characters (a reset code, an account number) were shown to every member (a probe).
  it('masks a quoted SMS or a number the 1,000-character read cuts through', () => {
    const sms = 'Hi Jane, your password reset code is 493021 and your account ends 7731. '.repeat(20);
    expect(failureReasonShown(`Carrier blocked content "${sms}"`)).toBe('Carrier blocked content "…"');
    expect(failureReasonShown(`Carrier blocked content “${sms}”`)).toBe('Carrier blocked content "…"');
    const shown = failureReasonShown(`Blocked "${'x'.repeat(600)}" "${'y'.repeat(380)}" to +447400918273`);
    expect(shown).toBe('Blocked "…" "…" to…');
  });
});
