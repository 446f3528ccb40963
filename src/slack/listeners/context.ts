import type { RespondFn, webApi } from '@slack/bolt';
import { UnexpectedError, unexpectedErrorText } from '../../core/access.js';
import type { Alerts } from '../../core/alerts.js';
import type { DeletedReply } from '../../core/conversations/deletedReply.js';
import type { ReplyOutcome, ThreadMessage } from '../../core/conversations/replyFromThread.js';
import type { DoctorReport } from '../../core/doctor/types.js';
import type { ForgetDeps } from '../../core/forgetCustomer.js';
import { InputError } from '../../core/inputError.js';
import type { KeyedGap } from '../../core/keyedGap.js';
import type { PacedRuns } from '../../core/pacedRuns.js';
import type { ReplyStatus } from '../../core/ports/conversationReplies.js';
import type { DoctorIgnoresRepository } from '../../core/ports/doctorIgnores.js';
import type { PortsipApi } from '../../core/ports/portsip.js';
import type { RouteUndos } from '../../core/routeUndo.js';
import type { Actor, SetupServices } from '../../core/services.js';
import type { SlackTokenRevocation } from '../../core/slackToken.js';
import type { SmsNumbersCache } from '../../core/smsNumbersCache.js';
import { type AppError, describeError } from '../../errors.js';
import type { WatchOperations } from '../../jobs/operations.js';
import type { Logger } from '../../log.js';
import type { RelayOperationsDeps } from '../../relay/operations.js';
import { WavixError } from '../../wavix/errors.js';
import type { GroupedAnswer } from '../groupedAnswer.js';
import type { InteractionsInFlight } from '../interactionsInFlight.js';
import { escapeMrkdwn, type SlackMessage } from '../ui/text.js';

/** What every listener needs, built once by the Slack surface. */
export interface SlackDeps {
  services: SetupServices;
  relay: RelayOperationsDeps;
  watch: WatchOperations;
  /** The alert lifecycle: an alert people acted on (acknowledged, snoozed, muted) is shown again. */
  alertLifecycle: Pick<Alerts, 'refresh'>;
  /** Channel for approvals and alerts. */
  alertChannel: string;
  /** Where relayed SMS are posted when no route names a channel. */
  inboxChannel: string | null;
  /** PUBLIC_BASE_URL: how Wavix (and doctor's probe) reach smsops. */
  publicBaseUrl: string | null;
  /** PortSIP's REST API, when PORTSIP_API_* are set. */
  portsip: PortsipApi | null;
  /** Numbers whose doctor findings are not counted (`/sms doctor ignore`). */
  doctorIgnores: DoctorIgnoresRepository;
  /**
   * The client `/sms doctor` asks Slack about channels with (createDoctorSlackClient): it rejects rate-limited calls, so
   * a doctor run's 429s never pause Bolt's client, which answers people (a modal's trigger_id lasts 3 s).
   */
  doctorSlack: webApi.WebClient;
  /** The client the App Home is published with (createHomeSlackClient): its 429s never pause Bolt's client either. */
  homeSlack: webApi.WebClient;
  /** The client the Sender ID form is opened and filled with (createFormSlackClient): its 429s pause no one else. */
  formSlack: webApi.WebClient;
  /** Doctor's runs, shared by those asking at once and paced (DOCTOR_RUN_GAP_MS): members cannot run it in a loop. */
  doctorRuns: PacedRuns<DoctorReport>;
  /** What recent route changes replaced, for their answer's "Put back" button (absent: no button). */
  routeUndos?: RouteUndos;
  /**
   * The client `/sms traffic` uploads its chart with (createChartSlackClient, rejecting rate-limited calls), and how
   * long each person still waits for their next chart (one every TRAFFIC_CHART_GAP_MS: a chart is drawn on the main
   * thread and posted to the whole channel).
   */
  charts: { slack: webApi.WebClient; gap: KeyedGap };
  /** Replies typed in relay threads, sent as SMS (absent: messages in threads are ignored). */
  conversations?: {
    replyFromThread(message: ThreadMessage): Promise<ReplyOutcome>;
    /** Whether the message at `ts` is a grouped post of relayed SMS (several in one, under a storm). */
    isGroupedPost?(channel: string, ts: string): boolean;
    /** "Answer" beside an SMS of the grouped post at `postTs`: starts its customer's thread (src/slack/groupedAnswer.ts). */
    startThread?(press: { channel: string; postTs: string; messageId: number; userId: string }): Promise<GroupedAnswer>;
    /** Where the reply smsops took from the message at `ts` stands (its edits are never sent); undefined: none taken. */
    takenReplyStatus?(channel: string, ts: string): ReplyStatus | undefined;
    /**
     * A person's edit of the message at `ts`, from which no reply was taken yet: when Slack delivers the message after
     * its edit (a retried event), its writer is told the edit is not sent.
     */
    editedBeforeTaken?(channel: string, ts: string): void;
    /** The reply taken from the deleted message at `ts`: withdrawn when its send had not begun; undefined: none taken. */
    replyDeleted?(channel: string, ts: string): DeletedReply | undefined;
  };
  /** The account's SMS-enabled numbers, read once for the Sender ID form and its number search (createSlackSurface). */
  smsNumbers: SmsNumbersCache;
  /** What smsops holds about a customer's number, for `/sms forget`. */
  customers: ForgetDeps;
  /** The slow parts running after their ack: a stop waits for them, and tells the people of those it gave up on. */
  inFlight: InteractionsInFlight;
  /**
   * Slack said the app was uninstalled or its bot token revoked (app_uninstalled, tokens_revoked): the relay's
   * /healthz, smsops_slack_token_refused and its one error line say so at once.
   */
  onBotTokenRevoked?: (by: SlackTokenRevocation) => void;
  logger: Logger;
}

/** The slow part of a listener, after its ack: who asked, where, and how to answer them. */
export interface Interaction {
  deps: SlackDeps;
  actor: Actor;
  channelId: string | null;
  client: webApi.WebClient;
  /** Answers the person only (ephemeral). */
  reply(message: SlackMessage, options?: { replaceOriginal?: boolean }): Promise<void>;
}

/**
 * An answer may show an SMS (`/sms inbox`), and Slack unfurls media links in an app's messages unless told not to:
 * fetching a customer's link would tell its owner when someone read it. Slack's unfurling guide names these two
 * flags for incoming webhooks (a response_url is one), chat.postMessage and chat.postEphemeral; chat.postEphemeral's
 * own reference does not list them (nor does the Web API client's type), so there they are sent on the guide's word.
 */
const NEVER_UNFURL = { unfurl_links: false, unfurl_media: false } as const;

/**
 * Replies through the interaction's response_url (it works in DMs and in channels the bot is not in); when that
 * fails, through chat.postEphemeral; with no channel either (the App Home), in a direct message. A reply that cannot
 * be delivered at all is logged, not lost silently.
 */
export function replier(options: {
  respond: RespondFn | undefined;
  client: webApi.WebClient;
  channelId: string | null;
  userId: string;
  logger: Logger;
}): Interaction['reply'] {
  return async (message, { replaceOriginal = false } = {}) => {
    if (options.respond) {
      try {
        await options.respond({
          response_type: 'ephemeral',
          replace_original: replaceOriginal,
          text: message.text,
          ...(message.blocks.length > 0 ? { blocks: message.blocks } : {}),
          ...NEVER_UNFURL,
        });
        return;
      } catch (error) {
        options.logger.warn('reply through response_url failed; trying chat.postEphemeral', { error: describeError(error) });
      }
    }
    const content = { text: message.text, ...(message.blocks.length > 0 ? { blocks: message.blocks } : {}), ...NEVER_UNFURL };
    try {
      if (options.channelId) {
        await options.client.chat.postEphemeral({
          channel: options.channelId,
          user: options.userId,
          ...content,
        } as webApi.ChatPostEphemeralArguments);
      } else {
        // A button on the App Home tab: Slack gives neither a response_url nor a channel, only the person.
        await options.client.chat.postMessage({ channel: options.userId, ...content });
      }
    } catch (error) {
      options.logger.error('reply could not be delivered', { user: options.userId, error: describeError(error) });
    }
  };
}

/** Errors the person caused or Wavix explained are routine; the others are smsops' own and go to the log as errors. */
export function logFailure(logger: Logger, what: string, error: AppError): void {
  if (error instanceof UnexpectedError || (error instanceof WavixError && error.kind === 'invalid_response')) {
    logger.error(`${what} failed`, { error: error.message, cause: describeError(error.cause) });
  } else if (error instanceof InputError) {
    // Its words quote what the person typed: the customer's number an admin mistyped in `/sms forget`, an SMS text.
    // The person read them; the log names the fields only.
    logger.info(`${what} refused`, { error: 'invalid input', fields: error.problems.map((p) => p.field).join(', ') });
  } else {
    logger.info(`${what} refused`, { error: error.message });
  }
}

/**
 * Runs the slow part of a listener (after its ack). Use cases return errors as values; anything thrown here is a bug,
 * so it is logged with its cause and the person still gets a sentence instead of silence. A stop waits for it a
 * while; one that gives up first says so to the person, since a change may have reached Wavix.
 */
/** What a slow part may change: Wavix (the default), smsops' own database only, or nothing (a question). */
export type SlowPartReach = 'wavix' | 'database' | 'nothing';

export async function slowPart(
  interaction: Pick<Interaction, 'reply' | 'deps'>,
  what: string,
  run: () => Promise<void>,
  reach: SlowPartReach = 'wavix',
  /**
   * `what` as the log names it, when `what` quotes what the person typed: `/sms forget <a customer's number>`, `/sms
   * route set <number> <a URL with its password>`. The person reads their own words; the log names the command only.
   */
  logged: string = what,
): Promise<void> {
  await interaction.deps.inFlight.run(
    async () => {
      try {
        await run();
      } catch (error) {
        interaction.deps.logger.error(`${logged} failed unexpectedly`, { error: describeError(error) });
        // `what` may quote the command as typed (`<!channel>`, `<https://…|x>`); a reply's text is mrkdwn.
        await interaction.reply({
          text: escapeMrkdwn(unexpectedErrorText(what, error)),
          blocks: [],
        });
      }
    },
    () => interaction.reply({ text: escapeMrkdwn(stoppedBeforeFinishing(what, reach)), blocks: [] }),
  );
}

/** What the person reads when smsops stopped before their request finished: only what may really have happened. */
function stoppedBeforeFinishing(what: string, reach: SlowPartReach): string {
  const stopped = `smsops is stopping and did not finish (${what})`;
  if (reach === 'nothing') return `${stopped}; nothing was changed: run it again after the restart.`;
  if (reach === 'database')
    return `${stopped}: nothing was asked of Wavix, and the change was made whole or not at all; check after the restart (/sms audit lists it) before running it again.`;
  return `${stopped}: if that was a change, Wavix may or may not have made it; check after the restart (/sms audit lists it) before running it again.`;
}
