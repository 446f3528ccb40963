/**
 * One-time codes in an SMS as shown in Slack (`SMS_MASK_CODES=1`): a login or payment code relayed into a channel is
 * readable by everyone in it, for as long as the message is kept. The code is replaced by dots of the same length;
 * PortSIP still receives the stored bytes unchanged (this runs only on what is shown).
 *
 * A code is a run of 4 to 8 digits (a space or a dash may split it in two halves: "123 456", "123-456") in the same
 * sentence as, and within 30 characters of, a word that announces one, in English, French, German, Spanish, Italian,
 * Portuguese, Dutch and Russian.
 * Digits far from such a word (an amount, an order number, a phone number) are left alone; a code announced in
 * another language is not masked, which is why this is an option and not a promise.
 */
const CODE_WORDS = [
  'code',
  'codes',
  'otp',
  'pin',
  'passcode',
  'password',
  'verification',
  'verify',
  'one-time',
  'one time',
  'security code',
  '2fa',
  'mfa',
  'token',
  'code de vérification',
  'code de confirmation',
  'mot de passe',
  'bestätigungscode',
  'sicherheitscode',
  'passwort',
  'código',
  'codigo',
  'contraseña',
  'verificación',
  'codice',
  'verifica',
  'senha',
  'verificatiecode',
  'код',
  'пароль',
];

const escapeRegex = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const KEYWORD = new RegExp(`(?<![\\p{L}\\p{N}])(?:${CODE_WORDS.map(escapeRegex).join('|')})(?![\\p{L}\\p{N}])`, 'giu');
/** 4–8 digits, optionally split once by a space or dash ("123 456"), not part of a longer number. */
const CODE = /(?<![\p{N}\-.,])(?:\d{4,8}|\d{3,4}[ -]\d{3,4})(?![\p{N}]|[.,]\d)/gu;
/** How far (in characters) a code may sit from the word that announces it, within the same sentence. */
const NEAR = 30;
const SENTENCE_END = /[.!?;\n]\s|\n/;

export function maskOneTimeCodes(text: string): string {
  const keywords = [...text.matchAll(KEYWORD)].map((m) => ({ start: m.index, end: m.index + m[0].length }));
  if (keywords.length === 0) return text;
  const close = (from: number, to: number) => to - from <= NEAR && !SENTENCE_END.test(text.slice(from, to));
  return text.replace(CODE, (code: string, offset: number) => {
    const end = offset + code.length;
    const near = keywords.some((k) => (k.end <= offset && close(k.end, offset)) || (k.start >= end && close(end, k.start)));
    return near ? code.replace(/\d/g, '•') : code;
  });
}
