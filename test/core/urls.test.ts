import { describe, expect, it } from 'vitest';
import { maskUrl } from '../../src/core/urls.js';

const UUID = '0d3c9a7e-5b1f-4c2d-9e8f-1a2b3c4d5e6f';

describe('maskUrl', () => {
  it.each([
    ['userinfo', `https://admin:hunter2@pbx.example.com:8887/emc/Wavix - US/${UUID}`, ['admin', 'hunter2', UUID.slice(4)]],
    ['user only', 'https://admin@pbx.example.com/hook', ['admin']],
    ['a trailing slash', `https://pbx.example.com/emc/Wavix - US/${UUID}/`, [UUID.slice(4)]],
    ['a token with dots', 'https://pbx.example.com/hooks/abc.defghij.klmnop', ['defghij', 'klmnop']],
    ['a short dotted token', 'https://pbx.example.com/h/a1.b2.c3', ['b2.c3']],
    ['a query token', 'https://pbx.example.com/sms?token=s3cr3t-value&user=bob', ['s3cr3t-value', 'bob']],
    ['a fragment', 'https://pbx.example.com/sms#access_token=abcdef123456', ['abcdef123456']],
    ['a token in the middle', `https://pbx.example.com/${UUID}/sms`, [UUID.slice(4)]],
    [
      'smsops’ webhook secret',
      'https://smsops.example.com/webhooks/wavix/inbound/whsec_test_0123456789abcdefghijkl',
      ['0123456789'],
    ],
    ['no scheme', `admin:hunter2@pbx.example.com/${UUID}`, ['hunter2', UUID.slice(4)]],
  ])('cuts the credentials of a URL with %s', (_, url, hidden) => {
    const masked = maskUrl(url);
    for (const part of hidden) expect(masked).not.toContain(part);
  });

  it('keeps what a person needs to recognise the URL', () => {
    expect(maskUrl(`https://admin:hunter2@pbx.example.com:8887/emc/Wavix - US/${UUID}`)).toBe(
      'https://…@pbx.example.com:8887/emc/Wavix - US/0d3c…',
    );
    expect(maskUrl('https://smsops.example.com/webhooks/wavix/inbound/whsec_test_0123')).toBe(
      'https://smsops.example.com/webhooks/wavix/inbound/whse…',
    );
    expect(maskUrl('https://pbx.example.com/api/sms?x=1')).toBe('https://pbx.example.com/api/sms?x=…');
  });
});

describe('maskUrl on names', () => {
  it('keeps PortSIP’s trunk names, encoded or not', () => {
    expect(maskUrl(`https://pbx.example.com/emc/Wavix%20-%20US/${UUID}`)).toBe(
      'https://pbx.example.com/emc/Wavix%20-%20US/0d3c…',
    );
    expect(maskUrl(`https://pbx.example.com/emc/Wavix - North America/${UUID}`)).toBe(
      'https://pbx.example.com/emc/Wavix - North America/0d3c…',
    );
  });
});

describe('maskUrl with backslashes', () => {
  it('reads `\\` as the URL parser does in an http(s) URL: the token after one is masked, the host is the real one', () => {
    const masked = maskUrl('https://admin:hunter2@pbx.example.com:8887\\emc\\Wavix\\a558d635-66e0-4c64-9d3b-2f5c1e7a8b90');
    expect(masked).not.toContain('hunter2');
    expect(masked).not.toContain('66e0-4c64');
    expect(masked).toBe('https://…@pbx.example.com:8887/emc/Wavix/a558…');
    // The request goes to pbx.example, not to the address after the `@` in the path.
    expect(maskUrl('http://pbx.example\\@169.254.169.254/')).toMatch(/^http:\/\/pbx\.example\//);
  });
});
