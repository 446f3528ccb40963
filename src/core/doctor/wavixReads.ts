import { AppError, err, type Result } from '../../errors.js';
import { listNumbers, type NumbersOverview } from '../numbers.js';
import type { WavixGateway } from '../ports/wavix.js';
import { WavixCallFailure } from '../ports/wavixFailure.js';
import type { SetupServices } from '../services.js';
import { duration, plural } from '../wording.js';

/**
 * How long the checks that read Wavix may take. Reading the numbers is one call a page of 100: 407 numbers at 1.3 s a
 * page took 7 s, past the 5 s of the other checks, and were said to hang. 20 s reads 2,000 numbers at 1 s a page, and
 * what does not fit is said as slow with how many were read (`/sms number list` has no such limit).
 */
export const WAVIX_GROUP_LIMIT_MS = 20_000;

/** Wavix answered, page after page, but the listing was not whole when doctor stopped waiting. */
export class SlowListing extends AppError {
  constructor(
    readonly listed: number,
    readonly tookMs: number,
  ) {
    const read = plural(listed, 'number');
    super(
      `wavix listed ${listed} numbers in ${tookMs} ms, not all`,
      `Wavix answers, but slowly: it had listed ${read} in ${duration(tookMs)} when doctor stopped waiting, not all of them, so they were not checked. \`/sms number list\` reads them all; run \`/sms doctor\` again when Wavix is faster.`,
    );
    this.name = 'SlowListing';
  }
}

/**
 * A read that failed when Wavix's profile could not be read either: “Wavix API key” says why, once, and this read is
 * skipped, where an outage (a 500) was five failures each repeating it, the key shown failed though never checked.
 */
export class WavixNotRead extends AppError {
  constructor(readonly profileFailure: AppError) {
    super(`wavix could not be read: ${profileFailure.message}`, profileFailure.userMessage);
    this.name = 'WavixNotRead';
  }
}

/** Why Wavix's profile could not be read (doctor reads it once: its key check), or undefined when it was. */
export async function profileFailure(wavix: Pick<WavixGateway, 'profile'>): Promise<AppError | undefined> {
  try {
    await wavix.profile.get();
    return undefined;
  } catch (error) {
    return error instanceof AppError ? error : new AppError(String(error), 'Wavix’s answer could not be read.');
  }
}

/** `error`, or a WavixNotRead when Wavix's profile could not be read either. */
export async function afterProfile(wavix: Pick<WavixGateway, 'profile'>, error: AppError): Promise<AppError> {
  if (error instanceof WavixNotRead) return error;
  const failure = await profileFailure(wavix);
  return failure ? new WavixNotRead(failure) : error;
}

export interface DoctorWavix {
  wavix: WavixGateway;
  /** The numbers and the account default, read once for the checks that need them; a listing cut short is a SlowListing. */
  numbers(services: Pick<SetupServices, 'smsopsWebhooks'>): Promise<Result<NumbersOverview>>;
}

/**
 * Doctor's Wavix: its calls end with the report (`cancellation`) and wait for nothing past `deadline`, so a 429 is
 * heard at once and no retry goes on after the report was posted; the profile is read once for the key check and the
 * numbers alike, and the numbers listed are counted, so a slow listing is told from a link that hangs.
 */
export function doctorWavix(given: WavixGateway, cancellation: AbortSignal, deadline: number): DoctorWavix {
  const bound = given.cancelledBy ? given.cancelledBy(cancellation, { deadline }) : given;
  let profile: ReturnType<WavixGateway['profile']['get']> | undefined;
  const listing = { count: 0, failure: undefined as unknown };
  const wavix: WavixGateway = {
    ...bound,
    profile: { ...bound.profile, get: () => (profile ??= bound.profile.get()) },
    numbers: {
      ...bound.numbers,
      iterate: (query) => counted(bound.numbers.iterate(query), listing),
    },
  };
  return {
    wavix,
    numbers: async (services) => {
      const began = Date.now();
      const overview = await listNumbers({ ...services, wavix });
      const cut = listing.failure instanceof WavixCallFailure && ['timeout', 'cancelled'].includes(listing.failure.kind);
      if (overview.ok) return overview;
      // Slow is said only of a listing Wavix kept answering: had the profile failed too, that says it all.
      const failure = await afterProfile(wavix, overview.error);
      if (!(failure instanceof WavixNotRead) && cut && listing.count > 0) {
        return err(new SlowListing(listing.count, Date.now() - began));
      }
      return err(failure);
    },
  };
}

async function* counted<T>(items: AsyncIterable<T>, listing: { count: number; failure: unknown }): AsyncGenerator<T> {
  try {
    for await (const item of items) {
      listing.count += 1;
      yield item;
    }
  } catch (error) {
    listing.failure = error;
    throw error;
  }
}
