import type { InboundMessage } from '../../core/model/inboundMessage.js';
import type { ReplayResult } from '../../relay/operations.js';
import { REPLAY_QUESTION_TTL_MS, type ReplayOutdatedError } from '../../relay/replayConfirmation.js';
import { ACTION } from '../ids.js';
import { DELIVERY_ICON } from './inboxPage.js';
import { person } from './relay.js';
import { button, code, context, escapeMrkdwn, mention, type SlackMessage, section, slackTime } from './text.js';

// The answers to `/sms relay replay` and its confirmation.

const deliveries = (n: number) => `${n} deliver${n === 1 ? 'y' : 'ies'}`;

/** A message's replay: how many destinations, and why none or not all (being sent right now: not started twice). */
function messageReplayText(result: Extract<ReplayResult, { kind: 'replayed' }>, id: string, moved: string): string {
  const busy = `${deliveries(result.inFlight)} of it ${result.inFlight === 1 ? 'is' : 'are'} being sent right now (in flight)`;
  if (result.replayed > 0) {
    const left = result.inFlight > 0 ? ` ${busy}: not started twice.` : '';
    return `Message ${id} queued again to ${result.replayed} destination${result.replayed === 1 ? '' : 's'}${moved}.${left}`;
  }
  return result.inFlight > 0
    ? `Message ${id} was not queued again: ${busy}, and an attempt under way is not started twice. Run /sms relay replay ${id} again once it is through to send it once more.`
    : `Message ${id} was not queued again: it has no delivery to send again yet (\`/sms inbox\` shows where it went).`;
}

export function replayMessage(result: Extract<ReplayResult, { kind: 'replayed' }>): SlackMessage {
  const moved = result.moved > 0 ? ` (${result.moved} to the route in force now)` : '';
  // Escaped once for both: the fallback text is mrkdwn too, and a message id comes from a webhook.
  const text = escapeMrkdwn(
    result.scope === 'dead'
      ? `${result.replayed} dead deliver${result.replayed === 1 ? 'y' : 'ies'} queued again${moved}.`
      : messageReplayText(result, result.scope.wavixMessageId, moved),
  );
  const icon = result.replayed > 0 || result.scope === 'dead' ? ':repeat:' : ':hourglass_flowing_sand:';
  return {
    text,
    blocks: [section(`${icon} ${text}`), context('Each gets a fresh retry window. `/sms relay status` shows the progress.')],
  };
}

/**
 * What the confirm button carries back: the message's Wavix id (not secret), the fingerprint of its deliveries as the
 * question showed them, and when it was asked (to say, if refused, whether it was sent again since).
 */
export interface ReplayConfirmation {
  target: string;
  seen: string;
  asked: number;
}

export function replayConfirmMessage(
  message: InboundMessage,
  delivered: number,
  asked: { seen: string; askedAt: number },
): SlackMessage {
  const text = escapeMrkdwn(`Message ${message.wavixMessageId} was delivered already. Send it again?`);
  const confirmation: ReplayConfirmation = { target: message.wavixMessageId, seen: asked.seen, asked: asked.askedAt };
  return {
    text,
    blocks: [
      section(
        `:warning: *Message ${code(message.wavixMessageId)}* from ${person(message.fromNumber)} to ${person(message.toNumber)} (${slackTime(
          message.ingestedAt,
        )}) was delivered already to ${delivered} destination${delivered === 1 ? '' : 's'}. Sending it again makes a duplicate there; the Slack post is marked as replayed.`,
      ),
      {
        type: 'actions',
        elements: [
          button({ text: 'Send again', actionId: ACTION.confirmReplay, value: JSON.stringify(confirmation), style: 'danger' }),
          button({ text: 'Cancel', actionId: ACTION.cancelReplay, value: 'cancel' }),
        ],
      },
    ],
  };
}

const againCommand = (id: string) => code(`/sms relay replay ${id}`);

/**
 * "Send again" pressed on a question whose message's deliveries changed since it was asked (pressed twice, or a
 * second admin's copy): nothing was sent, and why. `actorId`: who pressed, so their own earlier press reads "by you".
 */
export function replayOutdatedMessage(error: ReplayOutdatedError, actorId: string): SlackMessage {
  const id = error.wavixMessageId;
  const { outdated } = error;
  if (outdated.kind === 'replayed-since') {
    const by = outdated.by === null ? '' : outdated.by === actorId ? ' by you' : ` by ${mention(outdated.by)}`;
    const said = `:white_check_mark: *Message ${code(id)}* was already sent again since you were asked (${slackTime(outdated.at)}${by}); this press sent nothing more. Run ${againCommand(id)} again to send it once more.`;
    return {
      text: escapeMrkdwn(`Message ${id} was already sent again since you were asked; nothing more was sent.`),
      blocks: [section(said)],
    };
  }
  if (outdated.kind === 'expired') {
    const asked = outdated.askedAt === undefined ? '' : ` (${slackTime(outdated.askedAt)})`;
    const said = `:hourglass: *Message ${code(id)}*: this question was asked more than ${REPLAY_QUESTION_TTL_MS / 60_000} minutes ago${asked}, so it no longer sends; nothing was sent. Run ${againCommand(id)} to see where it stands now and be asked again.`;
    return { text: escapeMrkdwn(`Message ${id}: this question expired; nothing was sent.`), blocks: [section(said)] };
  }
  const now = outdated.now.map((d) => `${DELIVERY_ICON[d.status]} ${d.kind === 'portsip' ? 'PortSIP' : 'Slack'} ${d.status}`);
  const said = `:warning: *Message ${code(id)}* changed since you were asked (now ${now.join(' · ') || 'no delivery'}); nothing was sent. Run ${againCommand(id)} again to see where it stands.`;
  return { text: escapeMrkdwn(`Message ${id} changed since you were asked; nothing was sent.`), blocks: [section(said)] };
}

/**
 * A "Send again" posted before questions carried what they showed: it cannot tell whether the message was sent again
 * since, so it sends nothing and points to a fresh question.
 */
export function replayButtonOutdatedMessage(target: string): SlackMessage {
  const said = `This "Send again" button is from an earlier smsops version and cannot tell whether message ${target} was sent again since; nothing was sent. Run /sms relay replay ${target} again to be asked anew.`;
  const text = escapeMrkdwn(said);
  return { text, blocks: [section(`:warning: ${text}`)] };
}
