import { z } from 'zod';
import { publicBaseOwnPath, publicBaseUnreachable } from './core/publicBaseReach.js';
import { isHttpUrl } from './core/urls.js';

/**
 * PUBLIC_BASE_URL: the webhook paths (with the webhook secret) are put after it, so a query or a fragment would end up
 * before them (`…/?a=1/webhooks/wavix/inbound/<secret>`, the secret in the query string).
 */
export const publicBaseUrl = z.preprocess(
  (value) => (typeof value === 'string' ? value.trim() || undefined : value),
  z
    .string()
    .refine((value) => isHttpUrl(value), {
      message: 'must be an http(s) URL (how Wavix reaches smsops, e.g. https://smsops.example.com)',
    })
    .refine((value) => !/[?#]/.test(value), {
      message: 'must not hold a query (?…) or a fragment (#…): smsops puts the webhook paths after it',
    })
    .optional(),
);

/**
 * A base Wavix cannot reach (loopback, private: smsops still starts, since the sandbox's emulator and test rigs do
 * reach it, but `/sms webhook set` would point Wavix there), else a plain http:// one: Wavix would send each SMS,
 * and the webhook secret in its URL, in clear.
 */
export function publicBaseUrlWarning(raw: string | undefined): string | undefined {
  const value = raw?.trim();
  if (!value || !isHttpUrl(value)) return undefined;
  // No stand-in reaches a path smsops does not serve: said without the note below.
  const ownPath = publicBaseOwnPath(value);
  if (ownPath) return ownPath;
  const unreachable = publicBaseUnreachable(value);
  if (unreachable) return `${unreachable} (a Wavix on this host or network, such as its emulator, still reaches it)`;
  if (!/^http:/i.test(value)) return undefined;
  return 'PUBLIC_BASE_URL is plain http://: Wavix would send every SMS and the webhook secret in its URL unencrypted; use an https:// address (a TLS proxy in front of smsops)';
}
