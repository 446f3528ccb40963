import type { AppError, Result } from '../errors.js';
import type { PhoneNumber } from './phone.js';

/**
 * A read of the account's numbers costs a Wavix call per page (seconds on a large account or a slow Wavix), and the
 * number search asks on every keystroke with 3 seconds to answer: one read serves the searches of the next minute.
 */
export const SMS_NUMBERS_FRESH_FOR_MS = 60_000;
/**
 * A search that finds none of the kept numbers reads Wavix again when they are older than this: a number bought a
 * moment ago (in the Wavix portal) was missing from the form for up to a minute, said nowhere, while an admin needed it.
 */
export const SMS_NUMBERS_UNFOUND_FRESH_FOR_MS = 5_000;

/** What the number search can say in time: the numbers, that they are still being read, or why they cannot be. */
export type NumbersInTime = { numbers: PhoneNumber[] } | { loading: true } | { error: AppError };

/** The account's SMS-enabled numbers, read from Wavix once for everyone asking while the read runs, and kept. */
export interface SmsNumbersCache {
  /** A read from Wavix, joining the one under way; a successful one is kept for the number search. */
  read(): Promise<Result<PhoneNumber[]>>;
  /**
   * The kept numbers while fresh, else a read: for the form's choices (opened, its type switched), which a member
   * could ask for in a loop, each a listing of the whole account; the submission checks its number with `read`. None
   * kept is read again (the account's first number may have just been bought), a listing of no pages.
   */
  recent(): Promise<Result<PhoneNumber[]>>;
  /**
   * The numbers within `withinMs`: the kept ones while fresh; else those of a read (shared) that ends in time; else
   * the older ones kept, or that they are still loading (the read goes on, for the next keystroke). `freshForMs`: how
   * old the kept ones may be (SMS_NUMBERS_FRESH_FOR_MS unless given).
   */
  within(withinMs: number, freshForMs?: number): Promise<NumbersInTime>;
}

export function createSmsNumbersCache(options: {
  readFromWavix: () => Promise<Result<PhoneNumber[]>>;
  /** Told once per failed read, however many searches shared it (some answered before it ended). */
  onReadFailed: (error: AppError) => void;
  freshForMs?: number;
  now?: () => number;
}): SmsNumbersCache {
  const freshForMs = options.freshForMs ?? SMS_NUMBERS_FRESH_FOR_MS;
  const now = options.now ?? Date.now;
  let kept: { numbers: PhoneNumber[]; at: number } | undefined;
  let reading: Promise<Result<PhoneNumber[]>> | undefined;

  const read = (): Promise<Result<PhoneNumber[]>> => {
    if (reading) return reading;
    const started = options
      .readFromWavix()
      .then((result) => {
        if (result.ok) kept = { numbers: result.value, at: now() };
        else options.onReadFailed(result.error);
        return result;
      })
      .finally(() => {
        reading = undefined;
      });
    reading = started;
    return started;
  };

  const within = async (withinMs: number, maxAgeMs = freshForMs): Promise<NumbersInTime> => {
    if (kept && now() - kept.at <= Math.min(maxAgeMs, freshForMs)) return { numbers: kept.numbers };
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<undefined>((resolve) => {
      timer = setTimeout(() => resolve(undefined), withinMs);
    });
    const outcome = await Promise.race([read(), late]).finally(() => clearTimeout(timer));
    if (outcome?.ok) return { numbers: outcome.value };
    // Numbers read before beat none: the submission checks the chosen one against Wavix again.
    if (kept) return { numbers: kept.numbers };
    return outcome ? { error: outcome.error } : { loading: true };
  };

  const recent = (): Promise<Result<PhoneNumber[]>> =>
    kept && kept.numbers.length > 0 && now() - kept.at <= freshForMs
      ? Promise.resolve({ ok: true, value: kept.numbers })
      : read();

  return { read, recent, within };
}
