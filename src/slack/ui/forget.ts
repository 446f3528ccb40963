import type { ForgetAsked, ForgetOutdatedError, Forgotten } from '../../core/forgetCustomer.js';
import { FORGET_QUESTION_TTL_MS } from '../../core/forgetCustomer.js';
import type { CustomerRecords } from '../../core/ports/customerRecords.js';
import { ACTION } from '../ids.js';
import { button, code, context, escapeMrkdwn, mention, plural, type SlackMessage, section, slackTime } from './text.js';

/** What the "Remove" button carries back: the number (as Wavix writes it), the counts' fingerprint, when, and which question. */
export interface ForgetConfirmation {
  number: string;
  seen: string;
  asked: number;
  question: string;
}

/** The kinds of records, each a line when there are some: counts only, never what they hold. */
function recordLines(r: CustomerRecords): string[] {
  const lines = [
    r.inboundMessages > 0
      ? `${plural(r.inboundMessages, 'SMS', 'SMS')} received from them (text, media links, the webhook as Wavix posted it), with ${plural(r.deliveries, 'delivery record', 'delivery records')}`
      : '',
    r.slackPosts > 0
      ? `${plural(r.slackPosts, 'Slack post')} smsops made about them (their SMS, the status lines under replies to them): deleted in Slack`
      : '',
    r.sharedSlackPosts > 0
      ? `${plural(r.sharedSlackPosts, 'grouped Slack post')} also showing other people's SMS: edited to leave theirs out`
      : '',
    r.slackThreads > 0 ? `${plural(r.slackThreads, 'record')} of which Slack thread was their conversation of a day` : '',
    r.replies > 0
      ? `${plural(r.replies, 'reply', 'replies')} sent to them from Slack (who, when, length, status: the text was never kept)`
      : '',
    r.outboundMessages + r.deliveryReports > 0
      ? `${plural(r.outboundMessages, 'record')} of SMS sent to them (as Wavix reported them), with ${plural(r.deliveryReports, 'delivery report')} (the hourly traffic counts are recounted without them)`
      : '',
    r.rejectedWebhooks > 0 ? `${plural(r.rejectedWebhooks, 'refused webhook')} whose stored excerpt holds their number` : '',
    r.liftedOptOuts > 0 ? `${plural(r.liftedOptOuts, 'lifted opt-out')} (their START after a STOP)` : '',
  ];
  return lines.filter(Boolean).map((line) => `• ${line}`);
}

const auditLine = (r: CustomerRecords, masked: string) =>
  r.auditEntries > 0
    ? `• ${plural(r.auditEntries, 'audit entry', 'audit entries')} naming them: kept (who did what, when), the number masked to ${code(masked)}`
    : '';

const optOutLine = (inForce: number) =>
  inForce > 0
    ? `*Kept:* ${plural(inForce, 'opt-out')} in force, with the number: a STOP must go on being honoured, and forgetting it would let a reply text them again.`
    : '';

const NOT_COVERED =
  "Not covered: backups in `BACKUP_DIR` keep them until rotated out (the last `BACKUP_KEEP`; the one taken before the last upgrade, until the next upgrade replaces it); messages people typed in those threads are theirs (they, or a workspace admin, can delete them); smsops' posts older than `RETENTION_DAYS` are no longer known to it (Slack's own retention, or a workspace admin, removes those).";

/** Records under the number's national digits, said beside the question: not removed with it (see ForgetAsked). */
const alsoUnderLine = (national: string | undefined) =>
  national === undefined
    ? ''
    : `*Also held under ${code(national)}:* how smsops kept SMS from a sender in national form (no country code) before it read them in the country of the number they texted. If those are this customer's, run ${code(`/sms forget ${national}`)} too (those digits may also be another country's number).`;

export function forgetQuestionMessage(asked: ForgetAsked): SlackMessage {
  const { subject } = asked;
  if (asked.kind === 'nothing') {
    const alsoTyped = asked.asTyped ? ` (nor under ${asked.asTyped}, the digits as typed)` : '';
    const text = `smsops holds nothing about ${subject.display}${alsoTyped} to remove.`;
    // No country code starts with 0: digits that do were typed in a national form ("07400 123456") and read as they
    // are, while customers are kept in international form. "Holds nothing" alone, answering an erasure request, would
    // be believed while their SMS stay.
    const national = subject.digits.startsWith('0')
      ? [
          context(
            `:warning: ${code(subject.digits)} starts with 0: a number typed without its country code, and smsops keeps customers' numbers with theirs. Run it again with the country code in place of the 0 (${code(`/sms forget +44 ${subject.digits.slice(1)}`)} if it is a UK number) before telling anyone nothing is held.`,
          ),
        ]
      : [];
    return {
      text: escapeMrkdwn(text),
      blocks: [
        section(`:information_source: ${escapeMrkdwn(text)} ${optOutLine(asked.optOutsInForce)}`.trim()),
        ...national,
        ...(asked.alsoUnder ? [section(alsoUnderLine(asked.alsoUnder))] : []),
      ],
    };
  }
  const confirmation: ForgetConfirmation = {
    number: subject.digits,
    seen: asked.seen,
    asked: asked.askedAt,
    question: asked.question,
  };
  const lines = [...recordLines(asked.records), auditLine(asked.records, subject.masked)].filter(Boolean);
  return {
    text: escapeMrkdwn(`Remove everything smsops holds about ${subject.display}?`),
    blocks: [
      section(
        `:warning: *Remove everything smsops holds about ${escapeMrkdwn(subject.display)}?* This cannot be undone.\n${lines.join('\n')}`,
      ),
      ...(asked.records.optOutsInForce > 0 ? [section(optOutLine(asked.records.optOutsInForce))] : []),
      ...(asked.alsoUnder ? [section(alsoUnderLine(asked.alsoUnder))] : []),
      {
        type: 'actions',
        elements: [
          button({ text: 'Remove', actionId: ACTION.confirmForget, value: JSON.stringify(confirmation), style: 'danger' }),
          button({ text: 'Cancel', actionId: ACTION.cancelForget, value: 'cancel' }),
        ],
      },
      context(`${NOT_COVERED} This question stands ${FORGET_QUESTION_TTL_MS / 60_000} minutes.`),
    ],
  };
}

/** Where a post smsops could not delete is, for someone to delete it by hand. */
const postLine = (p: Forgotten['slackPostsLeft'][number]) =>
  `• in <#${p.channel}>, posted ${slackTime(p.postedAt)} (ts ${code(p.ts)}): ${escapeMrkdwn(p.reason)}`;

const SHOWN_LEFT = 15;

export function forgottenMessage(result: Forgotten): SlackMessage {
  const { records, subject, slackPostsLeft: left } = result;
  // A grouped post Slack would not let smsops edit is listed below, not counted as edited.
  const uneditedGroups = left.filter((post) => post.grouped).length;
  const removed = { ...records, slackPosts: 0, sharedSlackPosts: Math.max(0, records.sharedSlackPosts - uneditedGroups) };
  const lines = [...recordLines(removed), auditLine(records, subject.masked)].filter(Boolean);
  const posts =
    left.length === 0
      ? `${plural(result.slackPostsDeleted, 'Slack post')} deleted.`
      : `${plural(result.slackPostsDeleted, 'Slack post')} deleted; *${plural(left.length, 'post')} could not be deleted* and ${left.length === 1 ? 'remains' : 'remain'} in Slack: delete ${left.length === 1 ? 'it' : 'them'} there (a workspace admin can).\n${left
          .slice(0, SHOWN_LEFT)
          .map(postLine)
          .join(
            '\n',
          )}${left.length > SHOWN_LEFT ? `\n…and ${plural(left.length - SHOWN_LEFT, 'more post')}: smsops' log lists them all` : ''}`;
  // Came in or went out after Remove checked the question: kept, whether still owed or delivered already.
  const arrived =
    result.cameLater > 0
      ? `:hourglass_flowing_sand: ${result.cameLater} SMS of theirs came in or went out while the posts were being deleted, after the count you confirmed: kept, and not counted above; run \`/sms forget\` with the number again to remove ${result.cameLater === 1 ? 'it' : 'them'} (once \`/sms relay status\` no longer shows ${result.cameLater === 1 ? 'it' : 'them'}).`
      : records.undelivered + records.repliesSending > 0
        ? `:hourglass_flowing_sand: ${plural(records.undelivered + records.repliesSending, 'SMS')} of theirs arrived or went out meanwhile and ${records.undelivered + records.repliesSending === 1 ? 'is' : 'are'} still being delivered: kept; run \`/sms forget\` with the number again once delivered.`
        : '';
  const wal =
    result.walCut.outcome === 'cut'
      ? ''
      : `:warning: The database's files may still hold old copies of what was removed: ${result.walCut.outcome === 'busy' ? 'a reader held the WAL (a backup, an `sqlite3` shell)' : "SQLite would not cut its WAL back (smsops' log says why)"}. They stay there until new writes reuse that space or a retention run cuts the WAL back.`;
  const text = `Removed what smsops held about ${subject.masked}.`;
  return {
    text: escapeMrkdwn(text),
    blocks: [
      section(`:white_check_mark: *${escapeMrkdwn(text)}*\n${lines.join('\n')}`),
      section(posts),
      ...[optOutLine(records.optOutsInForce), arrived, wal].filter(Boolean).map((s) => section(s)),
      context(NOT_COVERED),
    ],
  };
}

/** "Remove" pressed on a question that no longer stands: nothing was removed, and why. `actorId`: who pressed. */
export function forgetOutdatedMessage(error: ForgetOutdatedError, actorId: string): SlackMessage {
  const { outdated, masked } = error;
  const again = 'Run `/sms forget` with the number again to see what smsops holds now.';
  if (outdated.kind === 'done') {
    const by = outdated.by === actorId ? 'by you' : `by ${mention(outdated.by)}`;
    return {
      text: escapeMrkdwn(`${masked}: already removed; this press removed nothing more.`),
      blocks: [
        section(
          `:white_check_mark: *${escapeMrkdwn(masked)}*: this question was answered already (${slackTime(outdated.at)}, ${by}); this press removed nothing more.`,
        ),
      ],
    };
  }
  const said: Record<Exclude<typeof outdated.kind, 'done'>, string> = {
    expired: `:hourglass: *${escapeMrkdwn(masked)}*: this question was asked more than ${FORGET_QUESTION_TTL_MS / 60_000} minutes ago${
      outdated.kind === 'expired' && outdated.askedAt !== undefined ? ` (${slackTime(outdated.askedAt)})` : ''
    }, so it no longer removes anything; nothing was removed. ${again}`,
    gone: `:white_check_mark: *${escapeMrkdwn(masked)}*: what smsops held about them was removed since you were asked; nothing more to remove.`,
    changed: `:warning: *${escapeMrkdwn(masked)}*: what smsops holds about them changed since you were asked (an SMS came in, or a reply went out); nothing was removed. ${again}`,
  };
  return { text: escapeMrkdwn(error.userMessage), blocks: [section(said[outdated.kind])] };
}

/** The question's "Cancel". */
export const forgetCancelledMessage: SlackMessage = { text: 'Cancelled; nothing was removed.', blocks: [] };
