import { ALERT_RULE } from '../core/alertRules.js';
import { type Alerts, notShownInWords } from '../core/alerts.js';
import { alertFacts } from '../core/model/alert.js';
import type { AlertsRepository } from '../core/ports/alerts.js';
import type { AlertNotShown, Notifier } from '../core/ports/notifier.js';
import { AppError, describeError } from '../errors.js';
import type { Logger } from '../log.js';
import type { TenDlcObservation, TenDlcRepository, TenDlcStatus } from '../store/repositories/tenDlc.js';
import { cancellableBy, type WavixClient } from '../wavix/client.js';
import { collectAll } from '../wavix/paginate.js';
import type { TenDlcEventCategory } from '../wavix/tenDlc.js';
import type { JobOutcome } from './scheduler.js';
import { createTenDlcSubscriptions, featureDisabled } from './tenDlcSubscriptions.js';

/** A status-change webhook's body, as parsed at the route (BrandStatusChanged, CampaignStatusChanged, NumberStatusChanged). */
export interface TenDlcWebhookPayload {
  brand_id: string;
  campaign_id?: string | undefined;
  number?: string | undefined;
  status: string;
}

export interface TenDlcReceipt {
  /** The change recorded, or null when the status was already known (a repeat, or a poll saw it first). */
  change: TenDlcStatus | null;
  /** Settles once the alert and the Slack announcement are done; never rejects (failures are logged and retried). */
  announced: Promise<void>;
}

export interface TenDlcWatchDeps {
  wavix: Pick<WavixClient, 'tenDlc'>;
  tenDlc: TenDlcRepository;
  alerts: Pick<Alerts, 'raise' | 'resolve'>;
  /** The open 10DLC alerts: a later status brings one up to date, and a subject Wavix no longer lists ends its own. */
  openAlerts: Pick<AlertsRepository, 'findOpen' | 'open'>;
  notifier: Pick<Notifier, 'announce'>;
  /** The secret path segment of smsops' webhook URLs. */
  webhookSecret: string;
  /** PUBLIC_BASE_URL: where runs point the status webhooks until Wavix has taken them (none without it). */
  publicBaseUrl?: string | undefined;
  logger: Logger;
}

/** These stop US messaging and need someone: an alert opens, or an open one takes the status and its severity. */
const ALERTING: Record<string, 'warning' | 'critical'> = { SUSPENDED: 'critical', DECLINED: 'warning', REJECTED: 'warning' };
/**
 * After these nobody needs to act on the subject's alert: it can send (approved, verified, or registered by
 * self-declaration, which Wavix's reference calls registered without external verification), or it is no longer the
 * account's to fix (a campaign deleted, or ported out to another provider). Any other status (REVIEW, PENDING,
 * UNVERIFIED, EXPIRED, or one Wavix's reference does not list) opens no alert and keeps an open one open, saying the
 * status: a subject resubmitted or lapsed still cannot send.
 */
const SETTLED = new Set(['APPROVED', 'VERIFIED', 'VETTED_VERIFIED', 'SELF_DECLARED', 'DELETED', 'PORTED_OUT']);

const brandObservation = (brand: {
  brand_id: string;
  status: string;
  dba_name?: string | null;
  company_name?: string | null;
}) => ({
  kind: 'brand' as const,
  brandId: brand.brand_id,
  status: brand.status,
  label: brand.dba_name || brand.company_name || null,
});

/**
 * The US 10DLC status watch: brands and campaigns by polling, and all three kinds (numbers only this way, as the
 * campaign listing does not carry a number's status) through Wavix's status-change webhooks. The first poll is a
 * baseline, recorded without announcing; each later change is announced once, whichever of poll or webhook sees it
 * first. Wavix's webhooks carry no timestamp, so a late webhook with an old status is taken as a change too.
 */
export function createTenDlcWatch(deps: TenDlcWatchDeps) {
  const { tenDlc, alerts, logger } = deps;

  /** What a change is about, with the names a poll has seen (a webhook carries ids only). */
  const factsOf = (change: TenDlcStatus) => ({
    kind: change.kind,
    brandId: change.brandId,
    campaignId: change.campaignId,
    number: change.number,
    status: change.status,
    brandLabel: tenDlc.get('brand', change.brandId)?.label ?? null,
    campaignLabel: change.campaignId ? (tenDlc.get('campaign', change.campaignId)?.label ?? null) : null,
  });

  /** Answers what Slack did not show (kept, posted again by a later evaluation): the run fails in words for it. */
  async function applyAlert(change: TenDlcStatus): Promise<AlertNotShown[]> {
    if (SETTLED.has(change.status)) return alerts.resolve(ALERT_RULE.tenDlc, change.subjectKey);
    // Open since an earlier status: it says this one, so it never reads "is REJECTED" after the subject moved on.
    const severity = ALERTING[change.status] ?? deps.openAlerts.findOpen(ALERT_RULE.tenDlc, change.subjectKey)?.severity;
    if (!severity) return [];
    return alerts.raise({
      rule: ALERT_RULE.tenDlc,
      subjectKey: change.subjectKey,
      severity,
      facts: factsOf(change),
      details: { kind: change.kind, brandId: change.brandId, campaignId: change.campaignId, status: change.status },
    });
  }

  /**
   * Ends the alerts of subjects a complete poll no longer lists: a brand or campaign gone from Wavix's listing, or a
   * number whose campaign is (numbers are not listed). Wavix's reference does not say whether a deleted campaign stays
   * listed as DELETED or leaves the listing; either way nothing is left there for anyone to fix.
   */
  async function resolveUnlisted(observations: readonly TenDlcObservation[]): Promise<AlertNotShown[]> {
    const brands = new Set(observations.filter((o) => o.kind === 'brand').map((o) => o.brandId));
    const campaigns = new Set(observations.filter((o) => o.kind === 'campaign').map((o) => o.campaignId));
    const notShown: AlertNotShown[] = [];
    for (const alert of deps.openAlerts.open()) {
      const facts = alertFacts(alert, ALERT_RULE.tenDlc);
      if (!facts) continue;
      const listed = facts.kind === 'brand' ? brands.has(facts.brandId) : campaigns.has(facts.campaignId);
      if (!listed) notShown.push(...(await alerts.resolve(ALERT_RULE.tenDlc, alert.subjectKey)));
    }
    return notShown;
  }

  /** Posts every unannounced change; marked announced only once the notifier said it, so a failed post is retried. */
  async function announceNow(): Promise<{ posted: number; failed: number }> {
    let posted = 0;
    let failed = 0;
    for (const change of tenDlc.unannounced()) {
      try {
        await deps.notifier.announce({
          type: 'tenDlcStatusChanged',
          ...factsOf(change),
          previousStatus: change.previousStatus,
          source: change.source,
        });
      } catch (error) {
        failed += 1;
        logger.warn('a 10DLC announcement could not be posted; it is retried on the next run', {
          kind: change.kind,
          subject: change.subjectKey,
          error: describeError(error),
        });
        continue;
      }
      tenDlc.markAnnounced(change);
      posted += 1;
    }
    return { posted, failed };
  }

  // A poll and a webhook may announce at the same moment: one at a time, so a change is never posted by both.
  let announcing: Promise<unknown> = Promise.resolve();
  const announcePending = (): Promise<{ posted: number; failed: number }> => {
    const next = announcing.then(announceNow, announceNow);
    announcing = next.catch(() => undefined);
    return next;
  };

  /** Polls brands and campaigns. */
  async function poll(cancellation?: AbortSignal): Promise<JobOutcome> {
    let observations: TenDlcObservation[];
    const { tenDlc: wavix10Dlc } = cancellableBy(deps.wavix, cancellation);
    try {
      const brands = await collectAll(wavix10Dlc.brands(), { operation: 'list 10DLC brands' });
      const campaigns = await collectAll(wavix10Dlc.campaigns(), { operation: 'list 10DLC campaigns' });
      observations = [
        ...brands.map(brandObservation),
        ...campaigns.map((c) => ({
          kind: 'campaign' as const,
          brandId: c.brand_id,
          campaignId: c.campaign_id,
          status: c.status,
          label: c.name || null,
        })),
      ];
    } catch (error) {
      const disabled = featureDisabled(error);
      if (disabled) return { outcome: 'skipped', reason: disabled };
      return { outcome: 'failed', error: error instanceof AppError ? error.userMessage : describeError(error) };
    }

    let changes: TenDlcStatus[];
    const notShown: AlertNotShown[] = [];
    if (tenDlc.baselineRecorded()) {
      changes = observations.map((o) => tenDlc.observe(o, 'poll')).filter((c): c is TenDlcStatus => c !== null);
    } else {
      // Not announced, but a subject already suspended or declined is a problem now: it gets its alert.
      changes = [];
      for (const recorded of tenDlc.recordBaseline(observations))
        if (ALERTING[recorded.status]) notShown.push(...(await applyAlert(recorded)));
    }
    for (const change of changes) notShown.push(...(await applyAlert(change)));
    notShown.push(...(await resolveUnlisted(observations)));
    const { posted, failed } = await announcePending();
    const problems: string[] = [];
    if (failed > 0) problems.push(`${failed} 10DLC announcement(s) could not be posted in Slack (retried next run)`);
    if (notShown.length > 0) problems.push(notShownInWords(notShown));
    if (problems.length > 0) return { outcome: 'failed', error: problems.join('; ') };
    return {
      outcome: 'ok',
      summary: `${observations.length} brands and campaigns checked, ${changes.length} changed, ${posted} announced`,
    };
  }

  const subscriptions = createTenDlcSubscriptions(deps);

  return {
    /** Polls brands and campaigns, and points the status webhooks at smsops while Wavix has not taken them. */
    run: async (cancellation?: AbortSignal): Promise<JobOutcome> => {
      const polled = await poll(cancellation);
      // Without 10DLC there is nothing to subscribe to; a stopped run leaves it to the next.
      if (polled.outcome === 'skipped' || cancellation?.aborted) return polled;
      const subscribed = await subscriptions.ensurePending(cancellation);
      if (subscribed === null || (subscribed.ok && subscribed.value.subscribed.length === 0)) return polled;
      if (subscribed.ok) {
        const set = `status webhooks pointed at smsops (${subscribed.value.subscribed.join(', ')})`;
        return polled.outcome === 'ok' ? { outcome: 'ok', summary: `${polled.summary}; ${set}` } : polled;
      }
      const problem = `10DLC status webhooks not pointed at smsops, tried again next run (until then changes are found by polling only): ${subscribed.error.userMessage}`;
      if (polled.outcome === 'failed') return { outcome: 'failed', error: `${polled.error}; ${problem}` };
      return { outcome: 'failed', error: `${problem} (${polled.summary})` };
    },

    /** Points Wavix's 10DLC event subscriptions at smsops, changing only a category whose URL differs. */
    ensureSubscriptions: subscriptions.ensure,

    /** Wavix's 10DLC event subscriptions against smsops' URLs, for `/sms doctor`. */
    inspectSubscriptions: subscriptions.inspect,

    /** The webhook entry: records the status (synchronously: stored when this returns), then alerts and announces. */
    receive: (kind: TenDlcEventCategory, payload: TenDlcWebhookPayload): TenDlcReceipt => {
      const change = tenDlc.observe(
        {
          kind,
          brandId: payload.brand_id,
          campaignId: payload.campaign_id ?? null,
          number: payload.number ?? null,
          status: payload.status,
        },
        'webhook',
      );
      const announced = (async () => {
        if (change) await applyAlert(change);
        await announcePending();
      })().catch((error: unknown) => {
        logger.error('a 10DLC webhook could not be announced; the next poll retries it', { kind, error: describeError(error) });
      });
      return { change, announced };
    },
  };
}

export type TenDlcWatch = ReturnType<typeof createTenDlcWatch>;
