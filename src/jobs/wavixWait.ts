import type { SettingsRepository } from '../core/ports/settings.js';
import { WavixCallFailure } from '../core/ports/wavixFailure.js';
import { duration } from '../core/wording.js';
import type { AppError } from '../errors.js';

/**
 * When Wavix may be read again (epoch ms), from its Retry-After on a 429 or 5xx: kept in `settings` so a restart does
 * not ask again at once.
 */
export const WAVIX_NOT_BEFORE_SETTING = 'sender_id_approvals.wavix_not_before';
/** The longest wait taken from Wavix: a Retry-After of days (a proxy's mistake) must not stop the watch for days. */
const MAX_WAVIX_WAIT_MS = 24 * 60 * 60_000;

const utcMinute = (epochMs: number) => `${new Date(epochMs).toISOString().replace('T', ' ').slice(0, 16)} UTC`;

/** Wavix's Retry-After as a job keeps it from one run to the next (its wavix client only waits within one call). */
export function createWavixWait(options: { settings: SettingsRepository; now: () => number }) {
  const { settings, now } = options;
  return {
    /** Why Wavix is not to be read now ("Wavix not read: it asked smsops to wait until …"), or undefined. */
    reasonToWait(): string | undefined {
      const notBefore = Number(settings.get(WAVIX_NOT_BEFORE_SETTING) ?? '0') || 0;
      const ahead = notBefore - now();
      // Further ahead than any wait taken: the clock was set back since; not waited for.
      if (ahead <= 0 || ahead > MAX_WAVIX_WAIT_MS) return undefined;
      return `Wavix not read: it asked smsops to wait until ${utcMinute(notBefore)} (${duration(ahead)} from now)`;
    },
    /** A read's failure: a 429 or 5xx with a Retry-After sets when Wavix may be read again. */
    remember(failure: AppError | undefined): void {
      if (!(failure instanceof WavixCallFailure) || failure.retryAfterMs === undefined) return;
      if (failure.kind !== 'rate_limited' && failure.kind !== 'server') return;
      settings.set(WAVIX_NOT_BEFORE_SETTING, String(now() + Math.min(failure.retryAfterMs, MAX_WAVIX_WAIT_MS)));
    },
  };
}
