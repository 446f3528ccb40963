import { maskOneTimeCodes } from '../../core/maskCodes.js';
import type { InboundMessage } from '../../core/model/inboundMessage.js';
import { classifyConsentKeyword } from '../../core/model/optOutKeywords.js';
import type { OptOutsRepository } from '../../core/ports/optOuts.js';

/** What of a stored message the Slack leg shows (the stored bytes stay as Wavix sent them, for PortSIP and replays). */
export type SlackShown = (message: InboundMessage) => InboundMessage;

/**
 * With SMS_MASK_CODES, one-time codes appear as dots. The Slack sender and the updater of delivery states take the same
 * function, so an in-place edit never shows more than the post it replaces.
 */
export function slackShownMessage(options: {
  maskCodes: boolean;
  optOuts?: Pick<OptOutsRepository, 'blocking'> | undefined;
}): SlackShown {
  const masked: SlackShown = options.maskCodes
    ? (message) => ({ ...message, text: maskOneTimeCodes(message.text) })
    : (message) => message;
  const { optOuts } = options;
  if (!optOuts) return masked;
  return (message) => {
    const shown = masked(message);
    const later = laterOptOutOf(optOuts, message);
    return later ? { ...shown, laterOptOut: later } : shown;
  };
}

/**
 * The opt-out a START did not lift because the customer sent it after that START (see recordConsentKeyword): only
 * an opt-out of this very number, dated after the START was sent; most texts are no keyword and cost no read.
 */
function laterOptOutOf(
  optOuts: Pick<OptOutsRepository, 'blocking'>,
  message: InboundMessage,
): InboundMessage['laterOptOut'] | undefined {
  if (message.fromNumber === '' || classifyConsentKeyword(message.text).kind !== 'opt_in') return undefined;
  const sentAt = Math.min(message.receivedAt ?? message.ingestedAt, message.ingestedAt);
  const optOut = optOuts.blocking(message.fromNumber, message.toNumber);
  if (!optOut || optOut.sender === null || optOut.optedOutAt <= sentAt) return undefined;
  return { keyword: optOut.keyword, optedOutAt: optOut.optedOutAt };
}
