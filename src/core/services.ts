import type { SmsopsOwnAddress } from './destinationSelf.js';
import type { AuditRepository } from './ports/audit.js';
import type { WorkspaceDirectory } from './ports/directory.js';
import type { RoutesRepository } from './ports/routes.js';
import type { SenderIdsRepository } from './ports/senderIds.js';
import type { WatchBaselineRepository } from './ports/watchBaseline.js';
import type { WavixGateway } from './ports/wavix.js';

/** Who asks for something: a Slack user id (or `system` for jobs). Use cases know nothing else about Slack. */
export interface Actor {
  userId: string;
}

/** smsops' own webhook URLs as Wavix must call them; null when PUBLIC_BASE_URL is not configured. */
export interface SmsopsWebhookUrls {
  inbound: string;
  dlr: string;
  /**
   * smsops' inbound and delivery report URLs under each secret of WEBHOOK_SECRET_PREVIOUS: still taken, and what Wavix
   * holds until `/sms webhook set` moves it, so they are told apart from somebody else's URL.
   */
  previous?: readonly string[];
}

/** What a route change did to the deliveries it affects (see the relay's re-targeting). */
export interface RouteChangeEffect<T> {
  value: T;
  /** Pending or dead deliveries moved to the route now in force, due now. */
  moved: number;
  /** Deliveries of the affected numbers that no route covers any more (left where they were). */
  unrouted: number;
}

/** Applies route changes together with their effect on queued deliveries: one transaction, then the relay is woken. */
export interface RouteChanges {
  apply<T>(routeKey: string, write: () => T): RouteChangeEffect<T>;
}

/**
 * What the setup use cases work with. Built once in the composition root, which may hand the jobs a richer Wavix
 * client through it (`SetupServices<WavixClient>`); the use cases rely on the gateway alone.
 */
export interface SetupServices<Wavix extends WavixGateway = WavixGateway> {
  wavix: Wavix;
  senderIds: SenderIdsRepository;
  routes: RoutesRepository;
  audit: AuditRepository;
  /** SLACK_ADMIN_USERS: the users allowed to change anything; empty means the workspace's admins and owners. */
  adminUsers: readonly string[];
  /** SLACK_ALERT_USERS: guests and other organisations' members who may still acknowledge and snooze alerts. */
  alertUsers: readonly string[];
  /** SLACK_REPLY_USERS: who may answer SMS; like the two lists above, it lets a guest or an outsider use smsops. */
  replyUsers: readonly string[];
  /** Asked who is a workspace admin (when adminUsers is empty) and who may read SMS text (channel members). */
  directory: WorkspaceDirectory;
  smsopsWebhooks: SmsopsWebhookUrls | null;
  /**
   * The sandbox: Wavix is its emulator on this host, which does reach smsops at a loopback PUBLIC_BASE_URL, so that
   * address is not said to be out of Wavix's reach.
   */
  wavixOnThisHost?: boolean;
  /** Where relayed messages go when no route names a number (PORTSIP_WEBHOOK_URL). */
  defaultPortsipUrl: string | null;
  /**
   * What the traffic watch once saw working: a webhook pointed elsewhere through smsops is forgotten there, one set to
   * smsops is remembered at once (moved in the portal before the next watch run, it is drift all the same).
   */
  watchBaseline?: Pick<WatchBaselineRepository, 'forgetPointing' | 'record'>;
  /**
   * A webhook set, inbound SMS activated or a route removed through smsops: a `config_drift` alert it fixed is looked
   * at again now (the composition root runs the watch when one is open), not left open up to the watch's next run.
   */
  setupChanged?: () => void;
  /** The relay's side of a route change; without it (tests of the setup alone) a route change moves nothing. */
  routeChanges?: RouteChanges;
  /** smsops' own endpoints, which no PortSIP route may name (the listener's port is added once it is bound). */
  ownAddress?: SmsopsOwnAddress;
}
