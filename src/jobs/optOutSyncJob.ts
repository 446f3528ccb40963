import { syncWavixOptOuts } from '../core/optOutConsent.js';
import type { OptOutsRepository } from '../core/ports/optOuts.js';
import { describeError } from '../errors.js';
import type { Logger } from '../log.js';
import { cancellableBy, type WavixClient } from '../wavix/client.js';
import { WavixError } from '../wavix/errors.js';
import type { JobOutcome } from './scheduler.js';

/**
 * Keeps smsops' opt-outs in step with Wavix's list (`GET /v3/messages/opt-outs`, every page), so a reply from Slack is
 * refused before Wavix would refuse it. A run that cannot read the whole list changes nothing it would lift
 * (syncWavixOptOuts) and reports failure; the next run starts over.
 */
export function createOptOutSyncJob(deps: { wavix: Pick<WavixClient, 'optOuts'>; optOuts: OptOutsRepository; logger: Logger }): {
  run(cancellation?: AbortSignal): Promise<JobOutcome>;
} {
  return {
    run: async (cancellation?: AbortSignal) => {
      try {
        const report = await syncWavixOptOuts(deps.optOuts, cancellableBy(deps.wavix, cancellation).optOuts.iterate());
        deps.logger.info('opt-outs synced with Wavix', { ...report });
        return { outcome: 'ok', summary: `${report.listed} listed by Wavix, ${report.added} added, ${report.lifted} lifted` };
      } catch (error) {
        const message = error instanceof WavixError ? error.userMessage : describeError(error);
        return { outcome: 'failed', error: `could not read Wavix's opt-out list: ${message}` };
      }
    },
  };
}
