import { isIP } from 'node:net';
import { z } from 'zod';
import { given } from './envNumbers.js';

/** A DNS name (RFC 1123 labels); its last label not all digits, so 999.1.1.1 is not taken for a name. */
const HOST_NAME = /^(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)*(?!\d+$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.?$/i;

/**
 * The address to listen on (HOST, SMSOPS_SANDBOX_HOST): an IPv4 or IPv6 address (brackets allowed) or a host name,
 * trimmed like the other variables. Anything else is refused at start in words, with the other bad variables,
 * instead of failing the listen with "getaddrinfo ENOTFOUND" (exit 1).
 */
export const listenHost = (fallback: string) =>
  z.preprocess(
    (value) => (typeof value === 'string' ? value.trim().replace(/^\[(.*)\]$/, '$1') || undefined : value),
    z
      .string()
      .default(fallback)
      .superRefine((value, ctx) => {
        if (isIP(value) === 0 && !HOST_NAME.test(value))
          ctx.addIssue({
            code: 'custom',
            message: `must be an IP address (0.0.0.0 for every interface, 127.0.0.1, ::) or a host name like localhost (got ${given(value)})`,
          });
      }),
  );
