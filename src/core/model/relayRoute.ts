/**
 * Where a number's inbound messages are relayed: a PortSIP webhook, a Slack channel, or both. `number` is E.164 or
 * the literal `default`.
 */
export interface RelayRoute {
  number: string;
  portsipUrl: string | null;
  slackChannel: string | null;
  createdBy: string;
  createdAt: number;
  /** Who last set it (`route set` again, by anyone): the one to ask about where it points now. */
  updatedBy: string;
  updatedAt: number;
}
