import { AppError, type Result } from '../../errors.js';
import type { NumbersOverview } from '../numbers.js';
import { formatPhoneForPeople } from '../phone.js';
import { WavixCallFailure } from '../ports/wavixFailure.js';
import { inlineText, oneLine } from '../text.js';
import { maskUrl } from '../urls.js';
import { askedWaitInWords, durationInMinutes } from '../wording.js';
import type { DoctorCheck, DoctorDeps } from './types.js';
import { SlowListing, WavixNotRead } from './wavixReads.js';

export const DAY = 86_400_000;
export const CERT_EXPIRY_WARNING_DAYS = 14;
export const RECENT_MESSAGES_SCANNED = 500;
/** A check group's time limit unless DoctorDeps.timeoutMs says otherwise. */
export const DEFAULT_GROUP_LIMIT_MS = 5_000;

/** A URL as it may appear in a reason: its credential segment masked, in backticks so Slack neither links nor unfurls it. */
export const shown = (url: string) => `\`${oneLine(maskUrl(url)).replaceAll('`', "'")}\``;

/** A route as doctor names it: `route default`, or its number as people read it everywhere else (`route +1 202 555 0143`). */
export const routeLabel = (number: string) => `route ${number === 'default' ? 'default' : formatPhoneForPeople(number)}`;

export const formatDate = (ms: number) => new Date(ms).toISOString().slice(0, 10);
export const formatDateTime = (ms: number) => `${new Date(ms).toISOString().replace('T', ' ').slice(0, 16)} UTC`;
export const ago = (ms: number) => `${durationInMinutes(ms)} ago`;

/** An error in words; Wavix's own words in it kept to one inline run, so they cannot start a line of the report. */
export const reasonOf = (error: unknown) => {
  if (error instanceof WavixCallFailure && error.said) return error.userMessage.split(error.said).join(inlineText(error.said));
  return error instanceof AppError ? error.userMessage : error instanceof Error ? error.message : String(error);
};

export interface DoctorContext {
  deps: DoctorDeps;
  /** One read of the numbers and the account default, shared by the checks that need it. */
  numbers: () => Promise<Result<NumbersOverview>>;
  signal: AbortSignal;
  /** The group's time limit (5 s when not said): a group of probes gives each a shorter one, so one hung probe is named alone. */
  timeoutMs?: number;
  /** Where the group's checks go as each finishes: what a group out of time still reports. */
  progress?: GroupProgress;
}

/**
 * The checks of a group as they finish, and those still running, so a group out of time reports what it found and
 * names what did not finish, where it was one line for the whole group (one hung PortSIP route hid six findings).
 */
export class GroupProgress {
  readonly finished: DoctorCheck[] = [];
  readonly running = new Set<Pick<DoctorCheck, 'id' | 'title'>>();

  /** `work`'s check, kept here as soon as it is made (a context without progress just runs it). */
  static track(ctx: Pick<DoctorContext, 'progress'>, base: Pick<DoctorCheck, 'id' | 'title'>, work: () => Promise<DoctorCheck>) {
    return ctx.progress ? ctx.progress.track(base, work) : work();
  }

  async track(base: Pick<DoctorCheck, 'id' | 'title'>, work: () => Promise<DoctorCheck>): Promise<DoctorCheck> {
    this.running.add(base);
    try {
      const check = await work();
      this.finished.push(check);
      return check;
    } finally {
      this.running.delete(base);
    }
  }
}

/** A group of checks about one link; it may report one check or one per number, route, channel… */
export interface CheckGroup {
  id: string;
  title: string;
  /** It reads Wavix: it gets the Wavix limit (DoctorDeps.wavixTimeoutMs), which fits a large account's listing. */
  readsWavix?: boolean;
  run(ctx: DoctorContext): Promise<DoctorCheck[]>;
}

/** "Wavix rate-limited these checks (429, retry after 10 s)": Wavix asking to be left alone, not a link that hangs. */
export const wavixRateLimitedWording = (error: WavixCallFailure) =>
  `Wavix rate-limited these checks (429${error.retryAfterMs !== undefined ? `, retry after ${askedWaitInWords(error.retryAfterMs)}` : ''})`;

/**
 * A Wavix read that failed, in words: when Wavix refused the key, or its profile could not be read at all (an outage,
 * no answer, a 403, a 429), “Wavix API key” says why once and the checks that read Wavix are skipped saying so.
 */
export function wavixUnreadable(group: Pick<CheckGroup, 'id' | 'title'>, error: AppError): DoctorCheck {
  const cause = error instanceof WavixNotRead ? error.profileFailure : error;
  if (cause instanceof WavixCallFailure && cause.kind === 'unauthorized') {
    return { ...group, status: 'skipped', reason: 'Not checked: Wavix refused the API key (see “Wavix API key”).' };
  }
  if (error instanceof WavixNotRead) {
    const why =
      cause instanceof WavixCallFailure && cause.kind === 'rate_limited' ? 'rate-limited these checks' : 'could not be read';
    return { ...group, status: 'skipped', reason: `Not checked: Wavix ${why} (see “Wavix API key”).` };
  }
  if (error instanceof SlowListing) {
    return {
      ...group,
      status: 'skipped',
      reason: 'Not checked: Wavix listed the numbers too slowly to read them all (see “Numbers”).',
    };
  }
  if (error instanceof WavixCallFailure && error.kind === 'rate_limited') {
    return { ...group, status: 'warning', reason: `${wavixRateLimitedWording(error)}: run \`/sms doctor\` again after that.` };
  }
  return { ...group, status: 'failure', reason: `Could not read it from Wavix: ${reasonOf(error)}` };
}
