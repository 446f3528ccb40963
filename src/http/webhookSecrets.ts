import { hash, timingSafeEqual } from 'node:crypto';
import type { Logger } from '../log.js';
import { warnOncePerMinute } from '../logOncePerMinute.js';
import type { Counter, MetricsRegistry } from '../metrics.js';
import type { WebhookRoute } from '../relay/intake.js';
import { TEN_DLC_EVENT_CATEGORIES } from '../wavix/tenDlc.js';

const ROUTES: readonly WebhookRoute[] = ['inbound', 'dlr', ...TEN_DLC_EVENT_CATEGORIES.map((c) => `10dlc/${c}` as const)];

// One-shot: a Hash object per webhook is a native object with a weak handle, finalised by V8's young-generation
// collections (0.36-0.40 ms of each one at 1,000 webhooks/s, none with the one-shot call).
const digest = (text: string) => hash('sha256', text, 'buffer');
// The configured secrets' digests, made once: a webhook then costs one hash instead of one per secret.
const digests = new Map<string, Buffer>();
const digestOf = (secret: string) => {
  let known = digests.get(secret);
  if (!known) {
    if (digests.size > 16) digests.clear();
    known = digest(secret);
    digests.set(secret, known);
  }
  return known;
};

/** The secrets a webhook URL may hold: WEBHOOK_SECRET, and the earlier ones of WEBHOOK_SECRET_PREVIOUS during a rotation. */
export interface WebhookSecrets {
  secret: string;
  previousSecrets?: readonly string[] | undefined;
}

/**
 * Which secret the URL holds, compared in constant time (digests of equal length, so no secret can be guessed byte
 * by byte from timings): 'current', the position in WEBHOOK_SECRET_PREVIOUS (from 1), or null. Every secret is
 * compared, a match or not, so the time taken does not tell which one (or whether one) matched.
 */
export function matchSecret(given: string, secrets: WebhookSecrets): 'current' | number | null {
  const givenDigest = digest(given);
  let match: 'current' | number | null = timingSafeEqual(givenDigest, digestOf(secrets.secret)) ? 'current' : null;
  // A plain loop: no array or closure made per webhook on the relay's hot path when no rotation is under way.
  const previous = secrets.previousSecrets;
  if (previous === undefined) return match;
  for (let i = 0; i < previous.length; i++) {
    if (timingSafeEqual(givenDigest, digestOf(previous[i] as string)) && match === null) match = i + 1;
  }
  return match;
}

/**
 * Called for each webhook taken under a previous secret: which route, and the secret's place in its variable
 * (WEBHOOK_SECRET_PREVIOUS unless named: WEBHOOK_SECRET_PREVIOUS_DLR).
 */
export type OnPreviousSecret = (route: WebhookRoute, previous: number, variable?: string) => void;

const TAKEN = 'Wavix still posts to smsops’ URL with its previous webhook secret (taken while WEBHOOK_SECRET_PREVIOUS holds it)';

/**
 * What moves each route's URL, in words: `/sms webhook set` moves the inbound SMS webhooks only; Wavix's 10DLC status
 * subscriptions are moved by the ten-dlc run (and at start; after doctor saw one elsewhere), so the inbound advice
 * left them on the old URL (a probe); a delivery report comes to the callback URL its reply was sent with, and
 * nothing can move that.
 */
const ADVICE: Record<'inbound' | 'dlr' | '10dlc', string> = {
  inbound: `${TAKEN}: run \`/sms webhook set default\`, then \`/sms webhook set <number>\` for each number \`/sms numbers\` shows with its own webhook`,
  dlr: `${TAKEN}: a delivery report of a reply sent before the change, to the callback URL it was sent with; nothing to move: they stop by themselves once those replies have had their final reports (within about 3 days), then empty WEBHOOK_SECRET_PREVIOUS (or WEBHOOK_SECRET_PREVIOUS_DLR, where the old secret posts delivery reports only)`,
  '10dlc': `${TAKEN}: a 10DLC status subscription (not moved by \`/sms webhook set\`); run \`/sms doctor\`, which names those not at smsops' current URL, then \`/sms jobs run ten-dlc\` to point them there (start and the runs do it until Wavix holds it, with PUBLIC_BASE_URL set)`,
};

const adviceFor = (route: WebhookRoute) => (route === 'inbound' || route === 'dlr' ? route : '10dlc');

/**
 * Counts each webhook taken under a previous secret and says so at most once a minute per route, with what moves that
 * route's URL: Wavix (the account default, a number's own webhook, a 10DLC subscription, or a reply's callback URL)
 * still posts to smsops' URL with its previous secret, which stops working once WEBHOOK_SECRET_PREVIOUS is emptied.
 * Never the secret or the URL: only its place in the list.
 */
export function previousSecretReporter(metrics: MetricsRegistry, logger: Logger): OnPreviousSecret {
  const counter: Counter<'route'> = metrics.counter(
    'smsops_webhooks_previous_secret_total',
    'Wavix webhooks taken under a secret of WEBHOOK_SECRET_PREVIOUS, by route: Wavix still posts to smsops’ previous URL.',
    ['route'],
    { initial: ROUTES.map((route) => ({ route })) },
  );
  const warners = {
    inbound: warnOncePerMinute(logger, ADVICE.inbound, {}, { countField: 'webhooksSinceLastWarning' }),
    dlr: warnOncePerMinute(logger, ADVICE.dlr, {}, { countField: 'webhooksSinceLastWarning' }),
    '10dlc': warnOncePerMinute(logger, ADVICE['10dlc'], {}, { countField: 'webhooksSinceLastWarning' }),
  };
  return (route, previous, variable = 'WEBHOOK_SECRET_PREVIOUS') => {
    counter.inc({ route });
    warners[adviceFor(route)](route, { route, previousSecret: `${variable} #${previous}` });
  };
}
