import { maskOneTimeCodes } from '../../core/maskCodes.js';
import type { InboundMessage } from '../../core/model/inboundMessage.js';

/** What of a stored message the Slack leg shows (the stored bytes stay as Wavix sent them, for PortSIP and replays). */
export type SlackShown = (message: InboundMessage) => InboundMessage;

/**
 * With SMS_MASK_CODES, one-time codes appear as dots. The Slack sender and the updater of delivery states take the same
 * function, so an in-place edit never shows more than the post it replaces.
 */
export function slackShownMessage(options: { maskCodes: boolean }): SlackShown {
  return options.maskCodes ? (message) => ({ ...message, text: maskOneTimeCodes(message.text) }) : (message) => message;
}
