import { ALERT_RULE } from '../core/alertRules.js';
import { type Alerts, notShownInWords } from '../core/alerts.js';
import type { SenderIdRecord, UnannouncedChange } from '../core/model/senderId.js';
import type { AlertsRepository } from '../core/ports/alerts.js';
import type { AlertNotShown, Notifier } from '../core/ports/notifier.js';
import type { SenderIdsRepository } from '../core/ports/senderIds.js';
import type { SettingsRepository } from '../core/ports/settings.js';
import { syncSenderIds } from '../core/senderIds.js';
import { type AppError, describeError } from '../errors.js';
import type { Logger } from '../log.js';
import { cancellableBy, type WavixClient } from '../wavix/client.js';
import type { JobOutcome } from './scheduler.js';
import { createWavixWait } from './wavixWait.js';

/**
 * Failed Wavix reads in a row, kept in `settings` rather than derived from `job_runs`: a run can fail for another
 * reason (an announcement refused) that says nothing about Wavix, and the scheduler, not this job, owns job_runs.
 */
export const WAVIX_FAILURES_SETTING = 'sender_id_approvals.wavix_failures_in_a_row';
/** When the job first read Wavix: Sender IDs made in the portal before that are the account as found, not news. */
export const SENDER_ID_BASELINE_SETTING = 'sender_id_approvals.baseline_at';

export interface SenderIdApprovalJobDeps {
  wavix: WavixClient;
  senderIds: SenderIdsRepository;
  settings: SettingsRepository;
  alerts: Pick<Alerts, 'raise' | 'resolve' | 'refresh'>;
  /** The open alerts as stored: a rejection's alert Slack refused to show is found there and shown again. */
  openAlerts: Pick<AlertsRepository, 'open'>;
  notifier: Pick<Notifier, 'announce'>;
  logger: Logger;
  /** Failed Wavix reads in a row before the 'wavix_unreachable' alert; default 3. */
  unreachableAfterRuns?: number;
  now?: () => number;
}

const stoppedReason = (cancellation: AbortSignal) =>
  `stopped before it finished: ${cancellation.reason instanceof Error ? cancellation.reason.message : 'the run was cancelled'}`;

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

const announcedSenderId = (record: SenderIdRecord) => ({
  value: record.value,
  type: record.type,
  wavixId: record.wavixId,
  origin: record.origin,
  requestedBy: record.requestedBy,
});

/**
 * The Sender ID approval job: reads Wavix, then announces (through the notifier) every country decision not announced
 * yet, one message per Sender ID.
 *
 * What smsops can learn from Wavix: only `allowlisted_in`. A country appearing there is approved; an approved country
 * disappearing is removed; a Sender ID gone from the list was deleted (announced once, as a whole). Wavix's API has no rejected state and no reason (a refused country simply never joins
 * `allowlisted_in`; Wavix's staff say why by e-mail or in the portal), so a rejection is announced only once someone
 * records it in smsops (`setCountryStatus`, with the reason they were given); until then the country stays pending.
 *
 * Why one list call per run and not a GET per pending Sender ID: Wavix does have `GET /v3/messages/sender-ids/{id}`,
 * but the list answers every Sender ID in one unpaginated response, and it is the only way to see Sender IDs made in
 * the Wavix portal and those deleted there. A GET per non-final Sender ID would cost N requests on top of that list.
 * Final Sender IDs (no pending country) thus cost nothing extra; the sync still watches them for removals.
 */
export function createSenderIdApprovalJob(deps: SenderIdApprovalJobDeps) {
  const threshold = deps.unreachableAfterRuns ?? 3;
  const now = deps.now ?? Date.now;
  const { senderIds, settings, alerts, logger } = deps;
  const wavixWait = createWavixWait({ settings, now });

  /** Counts failed reads in a row (across restarts): one alert when it reaches the threshold, resolved on success. */
  async function trackWavixHealth(failure: AppError | undefined): Promise<AlertNotShown[]> {
    const before = Number(settings.get(WAVIX_FAILURES_SETTING) ?? '0') || 0;
    if (failure) {
      const runs = before + 1;
      settings.set(WAVIX_FAILURES_SETTING, String(runs));
      if (runs === threshold) {
        return alerts.raise({
          rule: ALERT_RULE.wavixUnreachable,
          subjectKey: 'account',
          severity: 'critical',
          facts: { runs, lastError: failure.userMessage },
          details: { runs, error: failure.message },
        });
      }
      return [];
    }
    if (before === 0) return [];
    settings.set(WAVIX_FAILURES_SETTING, '0');
    return before >= threshold ? alerts.resolve(ALERT_RULE.wavixUnreachable, 'account') : [];
  }

  /** On the first good read, portal Sender IDs already there are taken as found; those requested through smsops are not. */
  function takeBaselineOnce(): void {
    if (settings.get(SENDER_ID_BASELINE_SETTING) !== undefined) return;
    for (const change of senderIds.unannouncedChanges()) {
      if (senderIds.get(change.senderId)?.origin === 'wavix_portal') senderIds.markAnnouncedIfUnchanged(change);
    }
    settings.set(SENDER_ID_BASELINE_SETTING, String(now()));
  }

  async function alertOnRejections(record: SenderIdRecord, changes: readonly UnannouncedChange[]): Promise<void> {
    for (const change of changes) {
      const subjectKey = `${record.wavixId}:${change.country}`;
      if (change.status === 'rejected') {
        // Raised again on each run until announced: the notifier keeps one open alert per subject, so no repeat post.
        await alerts.raise({
          rule: ALERT_RULE.senderIdRejected,
          subjectKey,
          severity: 'warning',
          facts: { senderId: record.value, senderIdType: record.type, country: change.country, reason: change.reason },
          details: { senderId: record.value, wavixId: record.wavixId, country: change.country, reason: change.reason },
        });
      } else if (change.status === 'approved') {
        await alerts.resolve(ALERT_RULE.senderIdRejected, subjectKey);
      }
    }
  }

  /**
   * One message per Sender ID. Its changes are marked announced only after Slack accepted the post; a post that
   * fails leaves them unannounced, so the next run posts them again (nothing is lost, nothing is posted twice).
   */
  async function announceChanges(): Promise<{ posted: number; failed: number }> {
    const bySenderId = new Map<number, UnannouncedChange[]>();
    for (const change of senderIds.unannouncedChanges()) {
      bySenderId.set(change.senderId, [...(bySenderId.get(change.senderId) ?? []), change]);
    }
    let posted = 0;
    let failed = 0;
    for (const [id, changes] of bySenderId) {
      const record = senderIds.get(id);
      if (!record) continue;
      await alertOnRejections(record, changes);
      try {
        await deps.notifier.announce({
          type: 'senderIdDecided',
          senderId: announcedSenderId(record),
          announcement: record.announcement,
          decisions: changes.map(({ country, status, reason }) => ({ country, status, reason })),
        });
      } catch (error) {
        failed += 1;
        logger.warn('a Sender ID announcement could not be posted; it is retried on the next run', {
          senderId: record.wavixId,
          error: describeError(error),
        });
        continue;
      }
      for (const change of changes) senderIds.markAnnouncedIfUnchanged(change);
      posted += 1;
    }
    return { posted, failed };
  }

  /**
   * A Sender ID gone from Wavix is said once, as a whole, in place of its country changes: where it can no longer send
   * and what was still pending. Its rejection alerts end with it (there is nothing left to fix). Marked announced only
   * after Slack accepted the post, like the decisions.
   */
  async function announceDeletions(): Promise<{ posted: number; failed: number }> {
    let posted = 0;
    let failed = 0;
    for (const record of senderIds.unannouncedDeletions()) {
      for (const c of record.countries.filter((x) => x.status === 'rejected')) {
        await alerts.resolve(ALERT_RULE.senderIdRejected, `${record.wavixId}:${c.country}`);
      }
      const inStatus = (status: string) => record.countries.filter((c) => c.status === status).map((c) => c.country);
      try {
        await deps.notifier.announce({
          type: 'senderIdDeleted',
          senderId: announcedSenderId(record),
          announcement: record.announcement,
          deletedAt: record.deletedAt ?? now(),
          deletedBy: record.deletedBy,
          approvedIn: inStatus('approved'),
          pendingIn: inStatus('pending'),
        });
      } catch (error) {
        failed += 1;
        logger.warn('a Sender ID deletion could not be announced; it is retried on the next run', {
          senderId: record.wavixId,
          error: describeError(error),
        });
        continue;
      }
      senderIds.markDeletionAnnounced(record.id);
      posted += 1;
    }
    return { posted, failed };
  }

  /**
   * A refused country is fixed by asking again (Wavix has no update: a new record of the same name). Once that record
   * is approved there, the old rejection's alert said the opposite of the announcement, and no button could end it.
   */
  function approvedOnAnotherRecord(rejected: SenderIdRecord, country: string): boolean {
    return senderIds
      .find(rejected.value)
      .some(
        (other) =>
          other.wavixId !== rejected.wavixId &&
          other.value === rejected.value &&
          other.type === rejected.type &&
          other.deletedAt === null &&
          other.countries.some((c) => c.country === country && c.status === 'approved'),
      );
  }

  /**
   * A rejection's alert is how the channel hears of it (its announcement stays in the request's thread), and it is
   * raised only while the rejection is unannounced: one whose post Slack refused is shown again here, each run while it
   * is open and unposted, whatever became of the announcement. One whose Sender ID was deleted since, or was asked for again and approved
   * in that country, is resolved.
   * Answers how many are still not shown.
   */
  async function showRejectionAlerts(): Promise<number> {
    let unshown = 0;
    for (const alert of deps.openAlerts.open()) {
      if (alert.rule !== ALERT_RULE.senderIdRejected) continue;
      const cut = alert.subjectKey.lastIndexOf(':');
      const wavixId = alert.subjectKey.slice(0, cut);
      const rejected = senderIds.getByWavixId(wavixId);
      if (rejected?.deletedAt || (rejected && approvedOnAnotherRecord(rejected, alert.subjectKey.slice(cut + 1)))) {
        await alerts.resolve(alert.rule, alert.subjectKey);
        continue;
      }
      // Snoozed or muted: left unposted on purpose, shown by the alert lifecycle once it no longer is.
      if (alert.slackTs || alert.quiet !== null) continue;
      const shown = await alerts.refresh(alert.id);
      if (shown?.status === 'open' && !shown.slackTs) unshown += 1;
    }
    return unshown;
  }

  /**
   * What is owed to Slack, whether or not Wavix was read: changes and deletions whose post failed, recorded rejections,
   * rejection alerts not shown. Answers how many announcements went out and what could not be posted.
   */
  async function postOwed(): Promise<{ posted: number; problems: string[] }> {
    const decided = await announceChanges();
    const deleted = await announceDeletions();
    const failed = decided.failed + deleted.failed;
    const alertsUnshown = await showRejectionAlerts();
    const problems: string[] = [];
    if (failed > 0) problems.push(`${plural(failed, 'announcement')} could not be posted in Slack (retried on the next run)`);
    if (alertsUnshown > 0) {
      problems.push(`${plural(alertsUnshown, 'rejection alert')} could not be posted in Slack (retried on the next run)`);
    }
    return { posted: decided.posted + deleted.posted, problems };
  }

  /**
   * A run within Wavix's Retry-After reads nothing from Wavix (nor counts towards `wavix_unreachable`, nor resets it: Wavix
   * was not asked), but still posts what is owed. Recorded `skipped`, saying until when.
   */
  async function runWithoutWavix(waiting: string): Promise<JobOutcome> {
    const { posted, problems } = await postOwed();
    if (problems.length > 0) return { outcome: 'failed', error: [waiting, ...problems].join('; ') };
    return { outcome: 'skipped', reason: posted > 0 ? `${waiting}; ${plural(posted, 'announcement')}` : waiting };
  }

  return {
    run: async (cancellation?: AbortSignal): Promise<JobOutcome> => {
      const waiting = wavixWait.reasonToWait();
      if (waiting !== undefined) return runWithoutWavix(waiting);
      const synced = await syncSenderIds({ wavix: cancellableBy(deps.wavix, cancellation), senderIds });
      // Told to stop (smsops stopping, or past its time limit): what Wavix did not answer says nothing of Wavix, so it
      // neither counts towards wavix_unreachable nor ends it, and what is owed to Slack is the next run's.
      if (cancellation?.aborted) return { outcome: 'skipped', reason: stoppedReason(cancellation) };
      const notShown = await trackWavixHealth(synced.staleBecause);
      wavixWait.remember(synced.staleBecause);
      if (!synced.staleBecause) takeBaselineOnce();
      // Announced even when Wavix could not be read: earlier changes whose post failed, and recorded rejections.
      const { posted, problems } = await postOwed();
      if (synced.staleBecause) problems.unshift(`Wavix could not be read: ${synced.staleBecause.userMessage}`);
      if (notShown.length > 0) problems.push(notShownInWords(notShown));
      if (problems.length > 0) return { outcome: 'failed', error: problems.join('; ') };
      return {
        outcome: 'ok',
        summary: `${plural(synced.records.length, 'Sender ID')} checked, ${plural(posted, 'announcement')}`,
      };
    },
  };
}
