import { formatPhoneForPeople } from '../../core/phone.js';
import { escapeInline, type SlackMessage, section } from './text.js';

/** How many of a channel's numbers the warning names; the rest are counted. */
const NAMED = 10;

/**
 * The alert channel's warning that a channel where SMS are posted was just shared through Slack Connect. `certain`:
 * Slack said the channel is shared with another organisation (false: it could not be asked, the event alone tells).
 */
export function smsChannelSharedMessage(options: {
  channel: string;
  connectedTeam: string;
  keys: readonly string[];
  certain: boolean;
}): SlackMessage {
  const { channel, keys } = options;
  const numbers = keys.filter((key) => key !== 'default').map((key) => formatPhoneForPeople(key));
  const named = numbers.slice(0, NAMED).join(', ');
  const more = numbers.length > NAMED ? ` and ${numbers.length - NAMED} more` : '';
  const whose = [
    ...(keys.includes('default') ? ['every number without a route of its own'] : []),
    ...(numbers.length > 0 ? [`${named}${more}`] : []),
  ].join(', and ');
  const team = escapeInline(options.connectedTeam);
  const shared = options.certain
    ? `<#${channel}> is now shared with another organisation through Slack Connect (${team})`
    : `<#${channel}> was just shared through Slack Connect (${team}; Slack did not say whether with another organisation)`;
  const text = `${shared}. smsops posts inbound SMS there (${whose}), so that organisation's people now read the customers' texts and numbers, those already posted there too (everyone in a shared channel reads its history). smsops keeps posting there. If that is not meant, stop sharing the channel, or route these numbers to a channel of your own (\`/sms route set default #channel\`, or one number at a time).`;
  return { text: `:warning: ${text}`, blocks: [section(`:warning: ${text}`)] };
}
