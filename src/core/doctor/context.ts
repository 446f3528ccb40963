import { AppError, type Result } from '../../errors.js';
import type { NumbersOverview } from '../numbers.js';
import { formatPhoneForPeople } from '../phone.js';
import { WavixCallFailure } from '../ports/wavixFailure.js';
import { maskUrl } from '../urls.js';
import { durationInMinutes } from '../wording.js';
import type { DoctorCheck, DoctorDeps } from './types.js';

export const DAY = 86_400_000;
export const CERT_EXPIRY_WARNING_DAYS = 14;
export const RECENT_MESSAGES_SCANNED = 500;

/** A URL as it may appear in a reason: its credential segment masked, in backticks so Slack neither links nor unfurls it. */
export const shown = (url: string) => `\`${maskUrl(url).replaceAll('`', "'")}\``;

/** A route as doctor names it: `route default`, or its number as people read it everywhere else (`route +1 202 555 0143`). */
export const routeLabel = (number: string) => `route ${number === 'default' ? 'default' : formatPhoneForPeople(number)}`;

export const formatDate = (ms: number) => new Date(ms).toISOString().slice(0, 10);
export const formatDateTime = (ms: number) => `${new Date(ms).toISOString().replace('T', ' ').slice(0, 16)} UTC`;
export const ago = (ms: number) => `${durationInMinutes(ms)} ago`;

export const reasonOf = (error: unknown) =>
  error instanceof AppError ? error.userMessage : error instanceof Error ? error.message : String(error);

export interface DoctorContext {
  deps: DoctorDeps;
  /** One read of the numbers and the account default, shared by the checks that need it. */
  numbers: () => Promise<Result<NumbersOverview>>;
  signal: AbortSignal;
}

/** A group of checks about one link; it may report one check or one per number, route, channel… */
export interface CheckGroup {
  id: string;
  title: string;
  run(ctx: DoctorContext): Promise<DoctorCheck[]>;
}

/** When Wavix refused the key, the checks that read Wavix say so once instead of repeating the 401 each. */
export function wavixUnreadable(group: Pick<CheckGroup, 'id' | 'title'>, error: AppError): DoctorCheck {
  if (error instanceof WavixCallFailure && error.kind === 'unauthorized') {
    return { ...group, status: 'skipped', reason: 'Not checked: Wavix refused the API key (see “Wavix API key”).' };
  }
  return { ...group, status: 'failure', reason: `Could not read it from Wavix: ${error.userMessage}` };
}
