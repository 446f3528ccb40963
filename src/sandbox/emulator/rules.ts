/**
 * Wavix's own rules, as Wavix documents them (../shared/wavix/notes.md §2.6, §3.3). These are deliberately written
 * apart from smsops' checks in src/core: the emulator stands for Wavix, so a mistake in smsops' rules must not be
 * mirrored here, or the tests could not catch it.
 */

/** Wavix's send-SMS guide: 3 to 11 characters; ASCII letters, digits, space and `- + _ &`; not all digits. */
export function alphanumericSenderIdProblem(value: string): string | null {
  if (value.length < 3 || value.length > 11) return 'Alphanumeric Sender ID must be 3 to 11 characters long';
  if (!/^[A-Za-z0-9 +\-_&]+$/.test(value))
    return 'Alphanumeric Sender ID may contain only Latin letters, digits, spaces and - + _ &';
  if (/^[0-9 ]+$/.test(value)) return 'Alphanumeric Sender ID cannot consist of digits only';
  return null;
}

export const INBOUND_SMS_COUNTRIES = new Set(['US', 'CA']);
export const ALPHANUMERIC_FORBIDDEN = new Set(['US', 'CA']);

/**
 * Countries whose Sender IDs go through manual review (paperwork, carrier registration) instead of being allowlisted
 * at once. Wavix publishes no list (it answers one country at a time through the restrictions call); these are
 * countries commonly known to require registration, enough to exercise both paths.
 */
export const MANUAL_REVIEW_COUNTRIES = new Set(['FR', 'AE', 'IN', 'SA', 'TR', 'ID', 'VN', 'CN', 'EG', 'QA']);

/** How long a manual review takes on the emulator's clock unless an admin call decides first. */
export const DEFAULT_REVIEW_DELAY_MS = 48 * 60 * 60 * 1000;

export const MESSAGE_MAX_CHARS = { gsm7: 1630, ucs2: 670 };

// GSM 03.38: the default alphabet (Greek capitals included) and the extension table, whose characters are sent as
// ESC + one septet and so take two septets each (a carrier charges `€` twice).
const GSM7_DEFAULT = /^[A-Za-z0-9 \r\n@£$¥èéùìòÇØøÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ!"#¤%&'()*+,\-./:;<=>?¡ÄÖÑÜ§¿äöñüà]$/u;
const GSM7_EXTENSION = /^[\f^{}\\[~\]|€]$/u;

/** Segments as carriers count them: 160/153 GSM-7 septets (an extension character is 2), 70/67 UCS-2 code units. */
export function countSegments(text: string): { segments: number; encoding: 'gsm7' | 'ucs2' } {
  let septets = 0;
  for (const character of text) {
    if (GSM7_DEFAULT.test(character)) septets += 1;
    else if (GSM7_EXTENSION.test(character)) septets += 2;
    else {
      septets = -1;
      break;
    }
  }
  if (septets >= 0) return { segments: septets <= 160 ? 1 : Math.ceil(septets / 153), encoding: 'gsm7' };
  return { segments: text.length <= 70 ? 1 : Math.ceil(text.length / 67), encoding: 'ucs2' };
}
