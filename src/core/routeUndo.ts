import { randomBytes } from 'node:crypto';
import { err, ok, type Result } from '../errors.js';
import { checkMayChange } from './access.js';
import { InputError } from './inputError.js';
import type { RelayRoute } from './model/relayRoute.js';
import { type RouteChange, removeRoute, setRoute } from './routes.js';
import type { Actor, SetupServices } from './services.js';

type RouteFields = Pick<RelayRoute, 'portsipUrl' | 'slackChannel'>;

/** What a route change replaced and wrote (null: no route), so that "Put back" can restore the first. */
interface HeldUndo {
  key: string;
  before: RouteFields | null;
  after: RouteFields | null;
  at: number;
}

/** How long a "Put back" works: the mistake is seen in the answer or soon after, not days later. */
export const ROUTE_UNDO_HOURS = 24;
const MAX_HELD = 1_000;

/**
 * The routes replaced by recent changes, held in memory under a random token that the answer's "Put back" button
 * carries. The URLs themselves never go to Slack: PortSIP's UUID (and any user and password) in them is masked
 * everywhere Slack shows a route, so without this a route overwritten or removed by mistake could only be put back
 * by copying its URL from PortSIP again. Lost with a restart (the button then says how to do it by hand); bounded.
 */
export class RouteUndos {
  private readonly held = new Map<string, HeldUndo>();

  constructor(private readonly now: () => number = Date.now) {}

  hold(change: RouteChange, removed: boolean): string {
    this.forgetOld();
    const token = randomBytes(12).toString('base64url');
    const fields = (r: RouteFields | null | undefined): RouteFields | null =>
      r ? { portsipUrl: r.portsipUrl, slackChannel: r.slackChannel } : null;
    this.held.set(token, {
      key: change.value.number,
      before: fields(change.before),
      after: removed ? null : fields(change.value),
      at: this.now(),
    });
    return token;
  }

  get(token: string): HeldUndo | undefined {
    this.forgetOld();
    return this.held.get(token);
  }

  private forgetOld(): void {
    const oldest = this.now() - ROUTE_UNDO_HOURS * 3_600_000;
    for (const [token, undo] of this.held) {
      if (undo.at >= oldest && this.held.size <= MAX_HELD) break;
      this.held.delete(token);
    }
  }
}

const same = (a: RouteFields | null, b: RouteFields | null) =>
  a === null || b === null ? a === b : a.portsipUrl === b.portsipUrl && a.slackChannel === b.slackChannel;

const refused = (message: string): Result<never> => err(new InputError([{ field: 'undo', message }]));

/** What "Put back" did: the route set again (or removed, when there was none before) and whether it removed. */
export interface RouteUndone {
  change: RouteChange;
  removed: boolean;
}

/**
 * "Put back" on a route change's answer: restores the route it replaced (removes one it created), only while the route
 * is still as that change left it, so a colleague's later fix is never undone by an old button. Audited as the
 * `route.set` or `route.remove` it is, with before and after, and queued deliveries follow as for any route change.
 */
export async function undoRouteChange(
  services: SetupServices,
  actor: Actor,
  undos: RouteUndos,
  token: string,
): Promise<Result<RouteUndone>> {
  const allowed = await checkMayChange(services, actor, { action: 'route.set', target: 'a route change put back' });
  if (!allowed.ok) return allowed;
  const undo = undos.get(token);
  if (!undo) {
    return refused(
      `This route change can no longer be put back here (smsops restarted since, or it is over ${ROUTE_UNDO_HOURS} hours old); nothing was changed. \`/sms audit\` shows what it replaced; set that route again with \`/sms route set\` (its URL copied from PortSIP: Message Channels → SMS/MMS → Copy Webhook).`,
    );
  }
  const name = undo.key === 'default' ? 'default' : undo.key;
  const current = services.routes.get(undo.key) ?? null;
  const now: RouteFields | null = current ? { portsipUrl: current.portsipUrl, slackChannel: current.slackChannel } : null;
  if (same(now, undo.before))
    return refused(`The route for ${name} is already as it was before that change; nothing was changed.`);
  if (!same(now, undo.after)) {
    return refused(
      `The route for ${name} was ${current ? 'changed again' : 'removed'} since: putting back would undo that too, so nothing was changed. \`/sms route list\` shows it now; \`/sms audit\` what each change replaced.`,
    );
  }
  if (undo.before === null) {
    const change = await removeRoute(services, actor, undo.key);
    return change.ok ? ok({ change: change.value, removed: true }) : change;
  }
  const change = await setRoute(services, actor, {
    number: undo.key,
    portsipUrl: undo.before.portsipUrl,
    slackChannel: undo.before.slackChannel,
  });
  return change.ok ? ok({ change: change.value, removed: false }) : change;
}
