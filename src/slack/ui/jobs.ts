import { offsetAt } from '../../core/zoneClock.js';
import { utcOffsetWords } from '../../envScheduleZone.js';
import type { JobOutcome, JobStatus } from '../../jobs/scheduler.js';
import { clip, context, duration, escapeMrkdwn, plural, type SlackMessage, section, slackTime } from './text.js';

const OUTCOME_ICON = {
  ok: ':white_check_mark:',
  failed: ':x:',
  skipped: ':fast_forward:',
  running: ':arrows_counterclockwise:',
} as const;

function jobLine(job: JobStatus, now: number): string {
  const last = job.lastRun;
  const lastText = last
    ? `${OUTCOME_ICON[last.outcome]} last run ${slackTime(last.startedAt)}: ${last.outcome}${
        last.error
          ? ` (${escapeMrkdwn(clip(last.error, 200))})`
          : last.outcome === 'ok' && last.summary
            ? ` (${escapeMrkdwn(clip(last.summary, 200))})`
            : ''
      }`
    : 'never run yet';
  const next =
    job.nextRunAt === null ? 'not scheduled' : `next ${slackTime(job.nextRunAt)} (in ${duration(job.nextRunAt - now)})`;
  return `*${escapeMrkdwn(job.name)}* \`${escapeMrkdwn(job.schedule)}\`${job.running ? ' · running now' : ''}\n${escapeMrkdwn(job.description)}\n${lastText} · ${next}`;
}

/**
 * Whose clock `0 8 * * *` is read on: shown only as cron, a digest an hour or six off (TZ set instead, an Etc/GMT sign)
 * looked right. The offset is today's, so a zone without daylight saving (EST for New York) shows it in summer.
 */
function zoneWords(timeZone: string, now: number): string {
  const offset = utcOffsetWords(offsetAt(now, timeZone));
  return timeZone === 'UTC' ? 'UTC' : `${escapeMrkdwn(timeZone)} (${offset} now)`;
}

/** `/sms jobs`: each scheduled job with its last run and when the next one is due. */
export function jobsMessage(jobs: readonly JobStatus[], now: number, timeZone?: string): SlackMessage {
  const zone = timeZone === undefined ? '' : ` Schedules are read in ${zoneWords(timeZone, now)}: \`SCHEDULE_TIMEZONE\`.`;
  return {
    text: plural(jobs.length, 'scheduled job'),
    blocks: [
      section('*Scheduled jobs*'),
      ...jobs.map((job) => section(jobLine(job, now))),
      context(`\`/sms jobs run <name>\` runs one now (admins). A job never overlaps its own run.${zone}`),
    ],
  };
}

export function jobRunMessage(name: string, outcome: JobOutcome): SlackMessage {
  const detail =
    outcome.outcome === 'ok' ? (outcome.summary ?? 'done') : outcome.outcome === 'failed' ? outcome.error : outcome.reason;
  // Escaped once for both: the fallback text is mrkdwn too, and an error's detail may hold anything.
  const text = escapeMrkdwn(`${name}: ${outcome.outcome} (${detail})`);
  return { text, blocks: [section(`${OUTCOME_ICON[outcome.outcome]} ${text}`)] };
}
