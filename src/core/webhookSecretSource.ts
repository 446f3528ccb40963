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

/**
 * WEBHOOK_SECRET unset and the generated secret put in WEBHOOK_SECRET_PREVIOUS (the new one's line forgotten): the
 * start said previous URLs were still taken and to move Wavix "to the current one", which was that same secret, so a
 * rotation after a leak changed nothing and said nothing. The configuration already refuses it when WEBHOOK_SECRET is
 * set; this is the generated secret's case.
 */
export const PREVIOUS_HOLDS_GENERATED =
  'WEBHOOK_SECRET_PREVIOUS holds the webhook secret in force, the one smsops generated (WEBHOOK_SECRET is unset): nothing would be rotated. Set WEBHOOK_SECRET to the new secret and keep the old one in WEBHOOK_SECRET_PREVIOUS';
