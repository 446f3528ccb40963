/**
 * What Slack's own time last said of this host's clock (HTTP mode). A clock more than 5 minutes off makes every
 * correctly signed Slack request look stale or ahead, so smsops refuses every command, button and thread reply (no
 * SMS sent) while Slack itself takes smsops' posts: /healthz, /metrics and the alert channel read it from here.
 */

/** Slack's replay window: a signed request further than this from this host's clock is refused (./eventsGuard.ts). */
export const SLACK_SIGNATURE_WINDOW_SECONDS = 5 * 60;
/** Past this, the clock is said to be off (Slack's Date header has whole seconds, and the call takes some). */
export const CLOCK_OFF_WARN_SECONDS = 60;

export interface SlackClockReading {
  /** This host's time minus Slack's, in whole seconds: positive when this host is ahead. */
  aheadSeconds: number;
  /** The time Slack's answer was dated with (its Date header, ms since epoch). */
  slackSaidAt: number;
}

export type SlackClockVerdict = 'ok' | 'off' | 'refusing';

export interface SlackClock {
  /** Slack's Date header compared with this host's clock: the latest reading replaces any before. */
  saidBySlack(reading: SlackClockReading): void;
  /**
   * A fresh, correctly signed Slack request was accepted: Slack's time is within 5 minutes of this host's after all
   * (the clock was set right). A reading past the window is forgotten; a smaller one is not contradicted, so kept.
   */
  signedRequestAccepted(): void;
  /** The latest reading not contradicted since; undefined before any. */
  reading(): SlackClockReading | undefined;
}

export function verdictOf(reading: SlackClockReading | undefined): SlackClockVerdict {
  const off = Math.abs(reading?.aheadSeconds ?? 0);
  return off > SLACK_SIGNATURE_WINDOW_SECONDS ? 'refusing' : off > CLOCK_OFF_WARN_SECONDS ? 'off' : 'ok';
}

/**
 * Only Slack's Date header sets it: a signed request's timestamp could be a captured one replayed late, which would
 * then make smsops blame (and a monitor restart) a clock that is right. `onReading` is told of every reading taken in
 * and of one forgotten (undefined).
 */
export function createSlackClock(onReading: (reading: SlackClockReading | undefined) => void = () => {}): SlackClock {
  let latest: SlackClockReading | undefined;
  const set = (next: SlackClockReading | undefined) => {
    latest = next;
    onReading(next);
  };
  return {
    saidBySlack: (reading) => set(reading),
    signedRequestAccepted: () => {
      if (verdictOf(latest) === 'refusing') set(undefined);
    },
    reading: () => latest,
  };
}

/** "601 s ahead of Slack's (Slack's answer at 2026-…Z)". */
function offWords(reading: SlackClockReading): string {
  const way = reading.aheadSeconds > 0 ? 'ahead of' : 'behind';
  return `this host's clock is ${Math.abs(reading.aheadSeconds)} s ${way} Slack's (Slack's answer at ${new Date(reading.slackSaidAt).toISOString()})`;
}

/** Words for /healthz and the log; undefined while the clock is within a minute of Slack's. */
export function slackClockWords(reading: SlackClockReading | undefined): string | undefined {
  if (reading === undefined) return undefined;
  switch (verdictOf(reading)) {
    case 'ok':
      return undefined;
    case 'off':
      return `${offWords(reading)}: Slack's requests are still taken, but past 5 minutes off smsops would refuse every Slack command, button and thread reply as stale; set the clock right (NTP/chrony)`;
    case 'refusing':
      return `${offWords(reading)}: Slack refuses nothing, but smsops refuses every Slack command, button and thread reply as stale (their signed timestamps are more than 5 minutes off), so no reply from a thread goes out as SMS; set the clock right (NTP/chrony)`;
  }
}
