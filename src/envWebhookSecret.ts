/**
 * A WEBHOOK_SECRET of 24+ characters that repeats a few of them (`aaaa…`, `abcabc…`, `12341234…`) passes the length
 * rule but can be guessed, and the URL is all that stands between the internet and smsops' inbound SMS (anyone who
 * knows it posts SMS that are relayed to PortSIP and Slack). Said, not refused: a secret already in use at Wavix
 * must keep working until it is rotated (README: Secrets). Random secrets never trip it: 24 random digits have fewer
 * than 6 different ones about once in 100,000 draws, hex or base64url never in practice.
 */
const FEWEST_DIFFERENT = 6;

export function webhookSecretWarning(raw: string | undefined): string | undefined {
  const value = raw?.trim();
  if (!value || value.length < 24) return undefined; // refused as too short, with the rule
  const different = new Set(value).size;
  if (different >= FEWEST_DIFFERENT) return undefined;
  return `WEBHOOK_SECRET holds only ${different} different character${different === 1 ? '' : 's'}: it can be guessed, and whoever has it posts SMS to smsops; replace it with a random one (openssl rand -base64 32 | tr '+/' '-_' | tr -d '='), keeping the old one in WEBHOOK_SECRET_PREVIOUS while Wavix is moved (README: Secrets)`;
}
