import cron, { type Logger as CronLogger } from 'node-cron';
import { describeError } from '../errors.js';
import type { Logger } from '../log.js';
import { missedRunsReporter } from './missedRuns.js';
import type { TickSource } from './tickSource.js';

/**
 * The production tick source: node-cron reads the expressions (in `timezone`, else the process' zone) against real
 * time. node-cron cannot say "next run after a given date" through its API, so tests drive the scheduler with a
 * tick source of their own instead of this one.
 */
export function cronTicks(options: {
  logger: Logger;
  timezone?: string;
  /** Told of each slot node-cron skipped (the /metrics counter): those runs are not made up. */
  onMissed?: (job: string) => void;
}): TickSource {
  const { logger, timezone } = options;
  return {
    arm: (job, onTick) => {
      const jobLogger = logger.child({ job: job.name });
      const missedRuns = missedRunsReporter(jobLogger);
      const task = cron.schedule(
        job.schedule,
        () => {
          missedRuns.ticked();
          return onTick();
        },
        {
          name: job.name,
          logger: cronLogger(jobLogger),
          // Said here, folded: node-cron's own warning is one line per skipped slot.
          suppressMissedWarning: true,
          ...(timezone ? { timezone } : {}),
        },
      );
      task.on('execution:missed', (context) => {
        missedRuns.missed(context.dateLocalIso);
        options.onMissed?.(job.name);
      });
      let disarmed = false;
      return {
        // A destroyed node-cron task still answers a next run.
        nextRunAt: () => (disarmed ? null : (task.getNextRun()?.getTime() ?? null)),
        disarm: () => {
          disarmed = true;
          return task.destroy();
        },
      };
    },
  };
}

/** node-cron's own warnings (missed ticks, say) into our structured log instead of its coloured console lines. */
function cronLogger(logger: Logger): CronLogger {
  const text = (message: string | Error, error?: Error) =>
    [message, error].filter((part) => part !== undefined).map((part) => (part instanceof Error ? describeError(part) : part));
  return {
    info: (message) => logger.info(`node-cron: ${message}`),
    warn: (message) => logger.warn(`node-cron: ${message}`),
    error: (message, error) => logger.error(`node-cron: ${text(message, error).join(': ')}`),
    debug: (message, error) => logger.debug(`node-cron: ${text(message, error).join(': ')}`),
  };
}
