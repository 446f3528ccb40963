import { type CheckGroup, shown, wavixUnreadable } from './context.js';
import type { DoctorCheck, TenDlcSubscriptionsSeen } from './types.js';
import { afterProfile } from './wavixReads.js';

const TEN_DLC_PATH = '/webhooks/wavix/10dlc/';

// ── 4b. 10DLC status webhooks ────────────────────────────────────────────────────────────────────────────────────

const group = { id: 'ten-dlc-webhooks', title: '10DLC status webhooks' };

const listed = (words: string[]) =>
  words.length <= 1 ? (words[0] ?? '') : `${words.slice(0, -1).join(', ')} and ${words.at(-1)}`;

/** Where one category's changes go instead of smsops: nowhere, or the URLs (masked: an older one holds the old secret). */
const whereInstead = ({ category, urls }: TenDlcSubscriptionsSeen['categories'][number]) => {
  if (urls.length === 0) return `${category} has none`;
  // smsops' own path: a URL of an earlier start, which Wavix's posts reach only to get 404.
  const earlier = urls.some((url) => url.includes(TEN_DLC_PATH))
    ? ' (an earlier WEBHOOK_SECRET or PUBLIC_BASE_URL of smsops)'
    : '';
  return `${category} goes to ${urls.map(shown).join(', ')}${earlier}`;
};

function seenCheck(seen: TenDlcSubscriptionsSeen): DoctorCheck {
  if (seen.disabled) return { ...group, status: 'ok', reason: `Not needed: ${seen.disabled}.` };
  const wrong = seen.categories.filter((c) => !c.pointsAtSmsops);
  if (wrong.length === 0)
    return { ...group, status: 'ok', reason: 'Wavix posts brand, campaign and number status changes to smsops.' };
  const lastAttempt = seen.lastFailure ? ` (its last attempt failed: ${seen.lastFailure.replace(/\.$/, '')})` : '';
  return {
    ...group,
    status: 'warning',
    reason:
      `Wavix does not post ${listed(wrong.map((c) => c.category))} status changes to smsops: ${wrong.map(whereInstead).join('; ')}. ` +
      `smsops points them at itself at start and at each ten-dlc run until Wavix takes them${lastAttempt}; ` +
      '`/sms jobs run ten-dlc` does it now. Until then 10DLC status changes are seen only when the ten-dlc job polls, later.',
  };
}

/** Not a link of the SMS chain, but what tells of a suspended brand or campaign as soon as Wavix knows. */
export const tenDlcWebhooksGroup: CheckGroup = {
  ...group,
  readsWavix: true,
  run: async ({ deps, signal }) => {
    if (deps.publicBaseUrl === null) {
      return [
        {
          ...group,
          status: 'skipped',
          reason: 'Not checked: PUBLIC_BASE_URL is not set (see “Inbound webhooks”), so Wavix has no URL to post them to.',
        },
      ];
    }
    // Doctor run without the watch (a test of the other checks): nothing to say.
    if (!deps.tenDlcSubscriptions) return [];
    const seen = await deps.tenDlcSubscriptions(signal);
    return [seen.ok ? seenCheck(seen.value) : wavixUnreadable(group, await afterProfile(deps.services.wavix, seen.error))];
  },
};
