import { attempt } from '../core/access.js';
import type { TenDlcSubscriptionsSeen } from '../core/doctor/types.js';
import { ok, type Result } from '../errors.js';
import { cancellableBy, type WavixClient } from '../wavix/client.js';
import { WavixError } from '../wavix/errors.js';
import { TEN_DLC_EVENT_CATEGORIES, type TenDlcEventCategory } from '../wavix/tenDlc.js';
import { tenDlcWebhookUrls } from './tenDlcWebhookUrls.js';

export interface TenDlcSubscriptionReport {
  /** Categories whose URL was set now. */
  subscribed: TenDlcEventCategory[];
  /** Categories already pointing at smsops. */
  alreadySubscribed: TenDlcEventCategory[];
  /** Set when 10DLC is not enabled on the account: nothing to subscribe to. */
  disabled?: string;
}

/**
 * 403 "Request failed. The feature is disabled for the account." (or "The service is not provisioned…"): the account
 * has no 10DLC, which is a fact about the account, not a failure of smsops.
 */
export function featureDisabled(error: unknown): string | null {
  if (!(error instanceof WavixError) || error.status !== 403) return null;
  if (!/disabled|not provisioned/i.test(error.wavixMessage ?? '')) return null;
  return `10DLC is not enabled on this Wavix account (Wavix said: "${error.wavixMessage}")`;
}

const keyOf = (urls: Record<TenDlcEventCategory, string>) => JSON.stringify(urls);

/**
 * Wavix's 10DLC event subscriptions pointed at smsops. A start while Wavix failed, after WEBHOOK_SECRET or
 * PUBLIC_BASE_URL changed, left them at the old URL (Wavix's posts got 404) until the next start; so until Wavix has
 * taken them at the current URL, each ten-dlc run sets them again. Once taken they are left alone (a call a run
 * saved), unless doctor reads them moved since.
 */
export function createTenDlcSubscriptions(deps: {
  wavix: Pick<WavixClient, 'tenDlc'>;
  webhookSecret: string;
  /** PUBLIC_BASE_URL: without it there is no URL Wavix could post to, and nothing is set. */
  publicBaseUrl?: string | undefined;
}) {
  /** The URLs Wavix was seen to hold (keyOf), by this process. */
  let confirmed: string | null = null;
  /** Why the last attempt to set them failed, in words; null once one succeeds. */
  let lastFailure: string | null = null;
  // Start's attempt and a run's (or two runs') one at a time: the second then finds them set, or tries again itself.
  let queue: Promise<unknown> = Promise.resolve();
  const serial = <T>(work: () => Promise<T>): Promise<T> => {
    const next = queue.then(work, work);
    queue = next.catch(() => undefined);
    return next;
  };

  async function set(publicBaseUrl: string, cancellation?: AbortSignal): Promise<Result<TenDlcSubscriptionReport>> {
    const { tenDlc } = cancellableBy(deps.wavix, cancellation);
    const wanted = tenDlcWebhookUrls(publicBaseUrl, deps.webhookSecret);
    const listed = await attempt('list the 10DLC event subscriptions', () => tenDlc.subscriptions.list());
    if (!listed.ok) {
      const disabled = featureDisabled(listed.error);
      if (disabled) return ok({ subscribed: [], alreadySubscribed: [], disabled });
      lastFailure = listed.error.userMessage;
      return listed;
    }
    const report: TenDlcSubscriptionReport = { subscribed: [], alreadySubscribed: [] };
    for (const category of TEN_DLC_EVENT_CATEGORIES) {
      if (listed.value.some((s) => s.subscription_category === category && s.url === wanted[category])) {
        report.alreadySubscribed.push(category);
        continue;
      }
      const created = await attempt(`subscribe to 10DLC ${category} events`, () =>
        tenDlc.subscriptions.create(category, wanted[category]),
      );
      if (!created.ok) {
        lastFailure = created.error.userMessage;
        return created;
      }
      report.subscribed.push(category);
    }
    confirmed = keyOf(wanted);
    lastFailure = null;
    return ok(report);
  }

  return {
    /** Points each category at smsops, changing only one whose URL differs from what Wavix lists. */
    ensure: (publicBaseUrl: string, cancellation?: AbortSignal) => serial(() => set(publicBaseUrl, cancellation)),

    /** As ensure, unless Wavix already took the current URLs (null then, and without PUBLIC_BASE_URL). */
    ensurePending: (cancellation?: AbortSignal): Promise<Result<TenDlcSubscriptionReport> | null> => {
      const { publicBaseUrl } = deps;
      if (!publicBaseUrl) return Promise.resolve(null);
      return serial(async () =>
        confirmed === keyOf(tenDlcWebhookUrls(publicBaseUrl, deps.webhookSecret)) ? null : set(publicBaseUrl, cancellation),
      );
    },

    /** What Wavix holds against smsops' URLs (`/sms doctor`), once an attempt in progress has ended. */
    inspect: async (signal?: AbortSignal): Promise<Result<TenDlcSubscriptionsSeen>> => {
      const { publicBaseUrl } = deps;
      await serial(async () => undefined);
      const listed = await attempt('list the 10DLC event subscriptions', () =>
        cancellableBy(deps.wavix, signal).tenDlc.subscriptions.list(),
      );
      if (!listed.ok) {
        const disabled = featureDisabled(listed.error);
        return disabled ? ok({ disabled, categories: [], lastFailure }) : listed;
      }
      const wanted = publicBaseUrl ? tenDlcWebhookUrls(publicBaseUrl, deps.webhookSecret) : null;
      const categories = TEN_DLC_EVENT_CATEGORIES.map((category) => {
        const urls = listed.value.filter((s) => s.subscription_category === category).map((s) => s.url);
        return { category, urls, pointsAtSmsops: wanted !== null && urls.includes(wanted[category]) };
      });
      // Changed in the Wavix portal since they were set: the next run sets them again, as doctor's advice says.
      if (categories.some((c) => !c.pointsAtSmsops)) confirmed = null;
      return ok({ categories, lastFailure });
    },
  };
}

export type TenDlcSubscriptions = ReturnType<typeof createTenDlcSubscriptions>;
