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
  /** The channel is the alert channel (its alerts and digests are read there too). */
  alertChannel?: boolean;
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
  const alerts = options.alertChannel
    ? " It is smsops' alert channel: its people read the alerts and daily digests (your numbers, routes and traffic) too, and may not acknowledge or snooze alerts unless named in SLACK_ALERT_USERS."
    : '';
  const text =
    keys.length > 0
      ? `${shared}. smsops posts inbound SMS there (${whose}), so that organisation's people now read the customers' texts and numbers, those already posted there too (everyone in a shared channel reads its history). smsops keeps posting there.${alerts} If that is not meant, stop sharing the channel, or route these numbers to a channel of your own (\`/sms route set default #channel\`, or one number at a time).`
      : `${shared}.${alerts} If that is not meant, stop sharing the channel, or set SLACK_ALERT_CHANNEL to a channel of your own and restart smsops.`;
  return { text: `:warning: ${text}`, blocks: [section(`:warning: ${text}`)] };
}
