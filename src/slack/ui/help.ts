import { AUDIT_MAX } from '../listeners/commands/parseCommand.js';
import { context, escapeMrkdwn, type SlackMessage, section } from './text.js';

/** Every command with an example, grouped by topic; `/sms help <topic>` shows one group. */
export const HELP_TOPICS = {
  senderid: [
    [
      '/sms senderid create',
      'Open the form to register a Sender ID (alphanumeric or one of your numbers) for destination countries.',
    ],
    ['/sms senderid create Acme FR GB', 'The same form, filled in with the Sender ID and its countries (ISO codes).'],
    ['/sms senderid list', 'Every Sender ID on the Wavix account with its status per country, newest first.'],
    ['/sms senderid list page 2', 'The next page of Sender IDs (40 a page).'],
    ['/sms senderid status Acme', 'One Sender ID, by its text or Wavix id.'],
    [
      '/sms senderid reject Acme FR Brand not registered',
      'Record a refusal Wavix told you of (its API does not show them); it is announced and alerted like an approval.',
    ],
    [
      '/sms senderid delete Acme',
      'Delete it on Wavix for good (admins; asks first): a typo, or a request to withdraw; the alert channel is told who.',
    ],
  ],
  number: [
    ['/sms number list', 'Each number: country, SMS, inbound SMS, and where its inbound messages go.'],
    ['/sms numbers page 2', 'The next page of numbers (20 a page).'],
    [
      '/sms numbers 202',
      'The numbers containing these digits; `/sms numbers GB` those of a country, `/sms numbers find Support` those whose label says so.',
    ],
    ['/sms number enable-inbound +1 415 555 0100', 'Activate inbound SMS (US and Canadian numbers).'],
  ],
  webhook: [
    ['/sms webhook set', "Point the account's default inbound SMS (and delivery report) webhook at smsops."],
    ['/sms webhook set +14155550100', "Point one number's inbound webhook at smsops (it overrides the default)."],
    [
      '/sms webhook set default https://…',
      'Set an explicit URL instead. A different URL already there is shown for confirmation first.',
    ],
  ],
  route: [
    [
      '/sms route set default https://pbx.example.com:8887/emc/Wavix - US/0d3c… #sms-inbox',
      'Relay inbound messages to PortSIP (URL exactly as copied) and post them in a channel (picked from the list, or `#name`). Messages still queued for those numbers move to the new route at once: that is how a wrong route is fixed.',
    ],
    ['/sms route set +14155550100 https://…', 'A route for one number; it wins over `default`.'],
    ['/sms route list', 'Where each number’s messages go.'],
    ['/sms routes page 2', 'The next page of routes; `/sms routes 202` finds the routes of matching numbers.'],
    ['/sms route remove +14155550100', 'Remove a route (its queued messages follow `default`).'],
  ],
  relay: [
    [
      '/sms relay status',
      'Backlog per destination (PortSIP, Slack), oldest pending, dead letters, last success, and the failing messages with their last error.',
    ],
    ['/sms relay status page 2', 'The next page of destinations (40 a page).'],
    ['/sms relay replay dead', 'Send every dead delivery again, to the route in force now, with a fresh retry window.'],
    [
      '/sms relay replay 3c7a5a90-…',
      'Send one message again to the current routes, by its Wavix id: where it is still owed at once, or everywhere after asking when it was delivered already.',
    ],
  ],
  inbox: [
    ['/sms inbox +14155550100', 'The last inbound messages (to one number, or all), with where each was delivered.'],
    ['/sms inbox page 2', 'The next page of them, when long texts fill the first.'],
    [
      '/sms inbox 3c7a5a90-…',
      'One message by its Wavix id (as its post and the logs show it): when Wavix and smsops received it, and each delivery with its attempts, last error, and whether it was sent again.',
    ],
  ],
  forget: [
    [
      '/sms forget +44 7400 123456',
      'Remove everything smsops holds about a customer’s number, for an erasure request (admins; audited with the number masked): it shows what it found, kind by kind, to confirm within 15 minutes, deletes its Slack posts of them and keeps their opt-outs in force.',
    ],
  ],
  portsip: [
    ['/sms portsip', 'With the PortSIP API configured: its Wavix SMS configurations as routes, each with a button to use it.'],
  ],
  traffic: [
    ['/sms traffic 24h', 'Sent, delivered, failed and inbound SMS with a chart per hour (1h, 24h or 7d).'],
    ['/sms traffic 7d +14155550100', 'The same for one number.'],
  ],
  alerts: [
    ['/sms alerts', 'Open alerts and every alert threshold.'],
    ['/sms alerts page 2', 'The next page of open alerts (30 a page).'],
    ['/sms alerts set failure_rate 15', 'Change a threshold (a number, or `off` to switch the rule off).'],
  ],
  jobs: [
    ['/sms jobs', 'The scheduled jobs: last run, its outcome, and when the next is due.'],
    ['/sms jobs run traffic-watch', 'Run a job now (it never overlaps a run in progress).'],
  ],
  doctor: [
    [
      '/sms doctor',
      'Check every link of the SMS setup (Wavix key, numbers, Sender IDs, webhooks, public URL, PortSIP, relay, channels), with fix buttons.',
    ],
    ['/sms doctor all', 'Every finding, one line each, page by page (`/sms doctor all 2`), ignored numbers included.'],
    [
      '/sms doctor ignore +1 202 555 0143 voice DID',
      'Stop counting a number’s findings (admins; audited). The reason is optional.',
    ],
    ['/sms doctor unignore +1 202 555 0143', 'Count its findings again.'],
    ['/sms doctor ignored', 'The ignored numbers: who ignored each, when and why.'],
  ],
  audit: [
    [`/sms audit 20`, `The last changes (default 10, at most ${AUDIT_MAX}): who, what, with what result.`],
    ['/sms audit 20 page 2', 'Older changes, 20 a page.'],
  ],
} as const satisfies Record<string, ReadonlyArray<readonly [string, string]>>;

export type HelpTopic = keyof typeof HELP_TOPICS;

const isTopic = (topic: string | undefined): topic is HelpTopic => topic !== undefined && topic in HELP_TOPICS;

/** What a topic offers besides commands (buttons), in mrkdwn, after its commands. */
export const HELP_NOTES: Partial<Record<HelpTopic, string>> = {
  alerts:
    'Buttons on each alert: *Acknowledge* (who and when is shown on it; it still resolves by itself), *Snooze 1h* / *Snooze 24h*, *Mute rule* (admins; `/sms alerts` lists muted rules with Unmute), and where they help *Show failing deliveries*, *Retry now*, *Open doctor*.',
  doctor:
    'Buttons in the report: a fix where smsops can make one, and *Ignore this number* beside a number’s finding (as `/sms doctor ignore`).',
};

function linesFor(topic: HelpTopic): string {
  const note = HELP_NOTES[topic];
  return [
    ...HELP_TOPICS[topic].map(([example, what]) => `\`${escapeMrkdwn(example)}\`\n${escapeMrkdwn(what)}`),
    ...(note ? [note] : []),
  ].join('\n');
}

export function helpMessage(topic?: string): SlackMessage {
  const all = Object.keys(HELP_TOPICS) as HelpTopic[];
  const topics: HelpTopic[] = isTopic(topic) ? [topic] : all;
  // A mistyped topic is said so, rather than silently answered with the whole index.
  const unknown = topic !== undefined && !isTopic(topic);
  const heading = unknown
    ? `No help topic "${escapeMrkdwn(topic)}"; topics: ${all.join(', ')}.`
    : '*smsops*: Wavix SMS setup and the PortSIP relay, from Slack.';
  return {
    text: unknown ? `No help topic "${escapeMrkdwn(topic)}". Try /sms help.` : 'smsops commands',
    blocks: [
      section(heading),
      ...topics.map((t) => section(linesFor(t))),
      context(
        "Read commands work for full members of this workspace; guests and people of other organisations (Slack Connect) only when SLACK_ALERT_USERS, SLACK_REPLY_USERS or SLACK_ADMIN_USERS names them. Changes are for the smsops admins: the people in SLACK_ADMIN_USERS, or while it is unset this workspace's admins and owners; to let others change things, list their member IDs in SLACK_ADMIN_USERS (e.g. `SLACK_ADMIN_USERS=U0123456789,U0987654321`) and restart smsops. SMS text (`/sms inbox`) is shown to admins and to members of the channel it is posted in. Every change is audited.",
      ),
    ],
  };
}

/** The answer to an unknown or malformed command: what was wrong, then the commands of that topic (or all). */
export function usageMessage(problem: string, topic?: string): SlackMessage {
  const help = helpMessage(topic);
  return {
    text: `${problem} Try /sms help.`,
    blocks: [section(`:warning: ${problem}`), ...help.blocks.slice(1)],
  };
}
