import type { SettingsRepository } from './ports/settings.js';

/** Where the last start took the webhook secret from: 'environment' (WEBHOOK_SECRET) or 'generated'. */
export const WEBHOOK_SECRET_SOURCE_SETTING = 'webhook_secret_source';

/** The generated secret, kept so the URLs set in Wavix survive restarts. */
const GENERATED_SETTING = 'webhook_secret';

export const WEBHOOK_SECRET_DROPPED =
  'WEBHOOK_SECRET is unset, but the last start had it: smsops would take its own generated secret instead (the one WEBHOOK_SECRET replaced, when it was rotated out after a leak, or a new one), and refuse with 404 every SMS Wavix posts to the URL it holds. Set WEBHOOK_SECRET again (the secret Wavix’s URLs end with); to go back to the generated one, set WEBHOOK_SECRET to it';

/**
 * The webhook secret in force: WEBHOOK_SECRET, else the one generated once and kept in the database. A start without
 * WEBHOOK_SECRET after one with it (a line lost from .env, a container recreated without it) took the generated one
 * again, silently: after a rotation that was the leaked secret, accepted once more, while Wavix's URLs, which end with
 * the one set last, got 404 and their SMS were lost until the watch saw it. Such a start is refused instead (null).
 */
export function webhookSecretInForce(
  settings: SettingsRepository,
  configured: string | undefined,
  generate: () => string,
): string | null {
  if (configured !== undefined) {
    settings.set(WEBHOOK_SECRET_SOURCE_SETTING, 'environment');
    return configured;
  }
  if (settings.get(WEBHOOK_SECRET_SOURCE_SETTING) === 'environment') return null;
  const generated = settings.getOrCreate(GENERATED_SETTING, generate);
  settings.set(WEBHOOK_SECRET_SOURCE_SETTING, 'generated');
  return generated;
}
