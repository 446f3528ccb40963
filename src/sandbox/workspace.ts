/**
 * The pretend Slack workspace of the sandbox: one person (and a second, not an admin, to act as), the channel they type in, and the two channels smsops posts
 * to. The ids have Slack's shapes, because smsops' configuration checks them.
 */
export const SANDBOX_WORKSPACE = {
  user: { id: 'U0SANDBOX1', name: 'you' },
  /** A second person the console can act as: a workspace member who is not in SLACK_ADMIN_USERS. */
  member: { id: 'U0SANDBOX2', name: 'sam' },
  bot: { id: 'UBOT', name: 'smsops' },
  /** Where `/sms …` is typed. */
  commandChannel: 'C0SBOPS001',
  alertChannel: 'C0SBALERTS',
  inboxChannel: 'C0SBINBOX1',
  channelNames: {
    C0SBOPS001: 'ops',
    C0SBALERTS: 'smsops-alerts',
    C0SBINBOX1: 'sms-inbox',
  } as Record<string, string>,
} as const;

/** A phone that texts the account in the "simulate inbound SMS" form unless the person types another. */
export const DEFAULT_SMS_SENDER = '+14155550123';
