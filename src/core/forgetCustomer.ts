import { createHash, randomUUID } from 'node:crypto';
import { AppError, err, ok, type Result } from '../errors.js';
import { checkMayChange, performChange } from './access.js';
import { maskedCustomerNumber } from './customerNumberMask.js';
import { InputError } from './inputError.js';
import type { KeyedSerial } from './keyedSerial.js';
import { FORGET_ACTION } from './model/audit.js';
import { formatPhoneForPeople, nationalDigitsOf, parsePhoneNumber, toWavixDigits } from './phone.js';
import type {
  CustomerRecords,
  CustomerRecordsStore,
  DeadSmsRemoved,
  SharedPostEdit,
  SlackPostRef,
  SlackPostRemover,
  WalCutOutcome,
} from './ports/customerRecords.js';
import type { Actor, SetupServices } from './services.js';

export { FORGET_ACTION } from './model/audit.js';

/**
 * How long a "Remove" question stands, as a replay's (src/relay/replayConfirmation.ts): its counts are what the
 * admin agreed to remove; a question pressed later would remove what they never saw.
 */
export const FORGET_QUESTION_TTL_MS = 15 * 60_000;
/** How far ahead of smsops' clock a question's time may be before it is taken as not smsops' own. */
const QUESTION_CLOCK_SKEW_MS = 60_000;

export interface ForgetDeps {
  records: CustomerRecordsStore;
  now: () => number;
  /** One erasure of a number at a time: a second press waits for the first, then finds nothing left to remove. */
  serial: KeyedSerial;
  newQuestionId?: () => string;
  /**
   * Their dead SMS removed with the rest, per destination: the relay's dead-letter alert says so, rather than going on
   * promising a replay sends them and then reading "Resolved" as if it had.
   */
  onDeadRemoved?: (removed: readonly DeadSmsRemoved[]) => void;
}

/** The customer a question is about: Wavix's digits, how people read them, and as the audit keeps them. */
export interface ForgetSubject {
  digits: string;
  display: string;
  masked: string;
}

export type ForgetAsked =
  /** smsops holds nothing about them that it would remove (their opt-outs in force, if any, are kept). */
  | {
      kind: 'nothing';
      subject: ForgetSubject;
      optOutsInForce: number;
      /** The digits as typed, when they were looked for too (bare digits a country reads as another number). */
      asTyped?: string;
      alsoUnder?: string;
    }
  /**
   * What would go, for the admin to confirm: `seen` fingerprints those counts, `question` names this question in
   * the audit log (to tell the press that came second who removed it).
   */
  | {
      kind: 'confirm';
      subject: ForgetSubject;
      records: CustomerRecords;
      seen: string;
      askedAt: number;
      question: string;
      /**
       * The number's national digits (3235550100 for +1 323 555 0100), when smsops holds records under them: how an
       * SMS from a sender in national form was kept before such senders were read in their country. Said, not removed
       * with these: they may also be another country's number (+32 3 555 01 00).
       */
      alsoUnder?: string;
    };

/** A "Remove" press: what its question carried back. */
export interface ForgetConfirmed {
  digits: string;
  seen: string;
  question: string;
  askedAt?: number | undefined;
}

/** A post smsops could not delete, and Slack's reason. */
export interface PostLeft extends SlackPostRef {
  reason: string;
  /** A grouped post that also shows others' SMS, left unedited (it is counted among the grouped posts, not deleted). */
  grouped?: true;
}

export interface Forgotten {
  subject: Pick<ForgetSubject, 'masked'>;
  /** What went (opt-outs in force: kept; undelivered and replies sending: left, when they arrived meanwhile). */
  records: CustomerRecords;
  slackPostsDeleted: number;
  slackPostsLeft: PostLeft[];
  /** Whether the -wal file was emptied of the pages written before (see CustomerRecordsStore.cutWal). */
  walCut: WalCutOutcome;
  /** Their SMS and replies that came in or went out while Remove deleted the posts: not confirmed, so kept. */
  cameLater: number;
}

/** SMS of theirs still owed somewhere, or a reply to them being sent: nothing is removed until that is over. */
export class CustomerStillOwedError extends AppError {
  constructor(
    readonly masked: string,
    readonly undelivered: number,
    readonly repliesSending: number,
  ) {
    const owed = [
      undelivered > 0
        ? `${undelivered} of their SMS ${undelivered === 1 ? 'is' : 'are'} still being delivered (pending or in flight)`
        : '',
      repliesSending > 0
        ? `${repliesSending} repl${repliesSending === 1 ? 'y' : 'ies'} to them ${repliesSending === 1 ? 'is' : 'are'} being sent`
        : '',
    ].filter(Boolean);
    super(
      `forget ${masked} refused: ${owed.join('; ')}`,
      `Nothing was removed: ${owed.join(', and ')}. An attempt already under way cannot be called back (PortSIP or Slack would get it all the same, and its post would be one smsops no longer knows to delete), so smsops removes a customer's records only once the relay is done with them. Wait until \`/sms relay status\` no longer shows them (delivered, or dead once the retry window ends), then run \`/sms forget\` with the number again.`,
    );
    this.name = 'CustomerStillOwedError';
  }
}

export type ForgetOutdated =
  | { kind: 'expired'; askedAt: number | undefined }
  /** This question was answered already (a second press): when, and by whom. */
  | { kind: 'done'; at: number; by: string }
  /** Someone else's question removed it meanwhile. */
  | { kind: 'gone' }
  /** smsops holds more, or less, than the question showed (an SMS arrived): nothing removed. */
  | { kind: 'changed' };

export class ForgetOutdatedError extends AppError {
  constructor(
    readonly masked: string,
    readonly outdated: ForgetOutdated,
  ) {
    const why: Record<ForgetOutdated['kind'], string> = {
      expired: `this question was asked more than ${FORGET_QUESTION_TTL_MS / 60_000} minutes ago, so it no longer removes anything`,
      done: 'this question was answered already; this press removed nothing more',
      gone: 'what smsops held about them was removed since you were asked; nothing more to remove',
      changed: 'what smsops holds about them changed since you were asked (an SMS came in, or went); nothing was removed',
    };
    super(
      `forget ${masked} not confirmed: ${outdated.kind}`,
      `${masked}: ${why[outdated.kind]}. Run \`/sms forget\` with the number again to see what smsops holds now.`,
    );
    this.name = 'ForgetOutdatedError';
  }
}

const DIGITS_SHAPE = /^\d{7,15}$/;

/**
 * A reader holding the WAL (the checkpointer's copy, a backup's step) is brief: tried again a few times a timer apart,
 * as the retention job does, never by blocking the event loop.
 */
export const WAL_CUT_TRIES = 3;
export const WAL_CUT_RETRY_MS = 200;

async function cutWalAfterErase(records: CustomerRecordsStore): Promise<WalCutOutcome> {
  for (let attempt = 1; ; attempt++) {
    const cut = records.cutWal();
    if (cut.outcome !== 'busy' || attempt >= WAL_CUT_TRIES) return cut;
    await new Promise((resolve) => setTimeout(resolve, WAL_CUT_RETRY_MS));
  }
}

/**
 * What the question showed, bound to whom and which question it was about: any SMS, reply or record added or removed
 * since changes it, and so does a press carrying another number, question or time than the question's (a forged or
 * misdirected value matched any customer with the same counts).
 */
export function recordsFingerprint(
  records: CustomerRecords,
  question: { digits: string; question: string; askedAt?: number | undefined },
): string {
  return createHash('sha256')
    .update(JSON.stringify([records, question.digits, question.question, question.askedAt ?? null]))
    .digest('base64url')
    .slice(0, 22);
}

/** A question asked too long ago, or (a clock stepped back, or a forged time) more than a minute from now. */
export function forgetQuestionExpired(askedAt: number | undefined, now: number): boolean {
  return askedAt === undefined || now - askedAt > FORGET_QUESTION_TTL_MS || askedAt - now > QUESTION_CLOCK_SKEW_MS;
}

const nothingToRemove = (r: CustomerRecords) =>
  Object.entries(r).every(([kind, count]) => kind === 'optOutsInForce' || count === 0);

const subjectFor = (digits: string): ForgetSubject => ({
  digits,
  display: formatPhoneForPeople(`+${digits}`),
  masked: maskedCustomerNumber(digits),
});

/** The digits as typed: separators and a leading `+` or `00` (the international prefix) taken away. */
const typedDigits = (input: string) => input.replace(/[\s().\-/]/g, '').replace(/^(\+|00)/, '');

/**
 * The numbers the input may be, the likelier first. A number that is no country's valid one today (an old or foreign
 * one a customer texted from) is taken as digits; bare digits a country reads another way (4474001234: +1 447 400 1234)
 * are also the digits as typed, which is how Wavix stored that customer's.
 */
function readingsOf(input: string): Result<ForgetSubject[]> {
  const parsed = parsePhoneNumber(input);
  const typed = typedDigits(input);
  if (!parsed.ok) {
    if (!DIGITS_SHAPE.test(typed)) return err(new InputError([{ field: 'number', message: parsed.error.userMessage }]));
    return ok([subjectFor(typed)]);
  }
  const digits = toWavixDigits(parsed.value.e164);
  return ok([subjectFor(digits), ...(DIGITS_SHAPE.test(typed) && typed !== digits ? [subjectFor(typed)] : [])]);
}

const change = (masked: string, params: Record<string, unknown> = {}) => ({ action: FORGET_ACTION, target: masked, params });

/**
 * `/sms forget <number>` (admins): counts what smsops holds about a customer's number, kind by kind, for a question
 * to confirm. Refused while an SMS of theirs is still owed somewhere, and for one of smsops' own numbers.
 */
export async function askToForget(
  services: Pick<SetupServices, 'adminUsers' | 'directory' | 'audit'>,
  deps: ForgetDeps,
  actor: Actor,
  input: string,
): Promise<Result<ForgetAsked>> {
  const readings = readingsOf(input);
  if (!readings.ok) return readings;
  const [likeliest, asTyped] = readings.value as [ForgetSubject, ForgetSubject?];
  // Before any count: how much smsops holds about a number is for admins only (both readings end in the same digits).
  const allowed = await checkMayChange(services, actor, change(likeliest.masked));
  if (!allowed.ok) return allowed;
  // The digits as typed only when they hold something and the likelier reading does not.
  const holds = (reading: ForgetSubject) => !nothingToRemove(deps.records.held(reading.digits));
  const subject = asTyped && !holds(likeliest) && holds(asTyped) ? asTyped : likeliest;
  const { digits, masked } = subject;
  if (deps.records.isSmsopsNumber(digits)) {
    return err(
      new InputError([
        {
          field: 'number',
          message: `${subject.display} is one of smsops' own numbers (a route's, or one SMS came in on or went out from), not a customer's: \`/sms forget\` removes what smsops holds about a customer.`,
        },
      ]),
    );
  }
  const records = deps.records.held(digits);
  // A customer who texted as (323) 555-0100 before this reading has those SMS under 3235550100: an erasure of
  // +1 323 555 0100 left them, and its question never said so (a probe).
  const national = subject === likeliest ? nationalDigitsOf(digits) : undefined;
  const alsoUnder = national !== undefined && !nothingToRemove(deps.records.held(national)) ? { alsoUnder: national } : {};
  if (records.undelivered > 0 || records.repliesSending > 0) {
    return err(new CustomerStillOwedError(masked, records.undelivered, records.repliesSending));
  }
  if (nothingToRemove(records)) {
    return ok({
      kind: 'nothing',
      subject,
      optOutsInForce: records.optOutsInForce,
      ...(asTyped ? { asTyped: asTyped.digits } : {}),
      ...alsoUnder,
    });
  }
  const askedAt = deps.now();
  const question = (deps.newQuestionId ?? randomUUID)();
  return ok({
    kind: 'confirm',
    subject,
    records,
    seen: recordsFingerprint(records, { digits: subject.digits, question, askedAt }),
    askedAt,
    question,
    ...alsoUnder,
  });
}

/** How far back the audit log is read for the press that answered a question first: questions live 15 minutes. */
const AUDIT_LOOKBACK = 200;

/**
 * "Remove" on the question: if smsops still holds what the question counted, deletes smsops' Slack posts of them,
 * then removes their records in one transaction (see CustomerRecordsStore.erase). Slack first: a stop or a failure
 * on the way leaves the records, and running the command again finds and finishes it (posts already gone count as
 * deleted). Posts Slack would not let go are listed, not retried.
 */
export async function forgetCustomer(
  services: Pick<SetupServices, 'adminUsers' | 'directory' | 'audit'>,
  deps: ForgetDeps,
  slack: SlackPostRemover,
  actor: Actor,
  confirmed: ForgetConfirmed,
): Promise<Result<Forgotten>> {
  if (!DIGITS_SHAPE.test(confirmed.digits)) {
    return err(new InputError([{ field: 'number', message: 'This confirmation is damaged; run the command again.' }]));
  }
  const masked = maskedCustomerNumber(confirmed.digits);
  const params: Record<string, unknown> = { question: confirmed.question };
  return deps.serial(confirmed.digits, () =>
    performChange<Forgotten>(services, actor, change(masked, params), async () => {
      const now = deps.now();
      if (forgetQuestionExpired(confirmed.askedAt, now)) {
        return err(new ForgetOutdatedError(masked, { kind: 'expired', askedAt: confirmed.askedAt }));
      }
      const held = deps.records.held(confirmed.digits);
      if (recordsFingerprint(held, confirmed) !== confirmed.seen) {
        return err(new ForgetOutdatedError(masked, outdated(services, held, confirmed)));
      }
      // What the question counted, as of this check: deleting the posts takes Slack's time (a minute and more for
      // many), and an SMS relayed or a reply sent meanwhile is not what the admin confirmed. Removed with the rest, a
      // new SMS vanished from the channel seconds after it was posted, before anyone read it.
      const through = deps.records.mark();
      const deleted = new Set<string>();
      const left: PostLeft[] = [];
      const deletePosts = async (posts: readonly SlackPostRef[]) => {
        for (const post of posts) {
          const key = `${post.channel} ${post.ts}`;
          if (deleted.has(key) || left.some((l) => `${l.channel} ${l.ts}` === key)) continue;
          const outcome = await slack.remove(post);
          if (outcome.ok) deleted.add(key);
          else left.push({ ...post, reason: outcome.reason });
        }
      };
      await deletePosts(deps.records.slackPostsOf(confirmed.digits, through));
      const erased = deps.records.erase(confirmed.digits, masked, through);
      if (erased.deadRemoved.length > 0) deps.onDeadRemoved?.(erased.deadRemoved);
      // Before the WAL is cut, so that it takes the rollups' pages that counted them too. Started at once, with no
      // turn of the event loop between: a refresh reading those hours before the erase is taken over, its figures
      // (with their SMS) dropped.
      if (erased.trafficHours) await deps.records.recountTraffic(erased.trafficHours);
      const walCut = await cutWalAfterErase(deps.records);
      // Posts of SMS that arrived while the others were being deleted: their rows are gone now, so deleted now or never.
      await deletePosts(erased.slackPosts);
      // A grouped post Slack will not let smsops edit (edit_window_closed, archived) still shows their SMS: listed.
      for (const post of await sharedEditsDone(deps, erased.sharedPostIds)) {
        if (post.state === 'edited') continue;
        const { channel, ts, postedAt } = post;
        left.push({
          channel,
          ts,
          postedAt,
          grouped: true,
          reason:
            post.state === 'refused'
              ? `a grouped post also showing others' SMS, which Slack would not let smsops edit to leave theirs out (${post.reason})`
              : `a grouped post also showing others' SMS, not yet edited to leave theirs out (Slack slow or holding smsops back)`,
        });
      }
      const removed = Object.fromEntries(Object.entries(erased.records).filter(([, n]) => n > 0));
      Object.assign(params, { removed, slackPostsDeleted: deleted.size, slackPostsLeft: left.length, walCut: walCut.outcome });
      if (erased.cameLater > 0) params.keptCameLater = erased.cameLater;
      const { cameLater } = erased;
      return ok({
        subject: { masked },
        records: erased.records,
        slackPostsDeleted: deleted.size,
        slackPostsLeft: left,
        walCut,
        cameLater,
      });
    }),
  );
}

/** How long Remove waits for the relay's updater to edit the grouped posts it marked, looking every so often. */
export const SHARED_EDIT_WAIT_MS = 10_000;
const SHARED_EDIT_POLL_MS = 200;

async function sharedEditsDone(deps: ForgetDeps, ids: readonly number[]): Promise<SharedPostEdit[]> {
  // Counted in looks, not read off deps.now: a clock that stands still (tests) must not hold Remove for ever.
  for (let looks = SHARED_EDIT_WAIT_MS / SHARED_EDIT_POLL_MS; ; looks--) {
    const edits = deps.records.sharedPostEdits(ids);
    if (looks <= 0 || edits.every((e) => e.state !== 'pending')) return edits;
    await new Promise((resolve) => setTimeout(resolve, SHARED_EDIT_POLL_MS));
  }
}

function outdated(services: Pick<SetupServices, 'audit'>, held: CustomerRecords, confirmed: ForgetConfirmed): ForgetOutdated {
  if (!nothingToRemove(held)) return { kind: 'changed' };
  const answered = services.audit
    .recent(AUDIT_LOOKBACK)
    .find((e) => e.action === FORGET_ACTION && e.outcome === 'ok' && e.params.question === confirmed.question);
  return answered ? { kind: 'done', at: answered.at, by: answered.actor } : { kind: 'gone' };
}
