import type { AnyMiddlewareArgs, Middleware } from '@slack/bolt';
import { describeError } from '../errors.js';
import type { Logger } from '../log.js';
import type { BotIdentity, BotIdentitySource } from './botIdentity.js';

/** Where a request comes from, as Bolt read it (its context: an event's installation, a view's app_installed_team_id). */
export interface RequestWorkspace {
  teamId?: string;
  enterpriseId?: string;
}

/** Requests waiting for auth.test's first answer to be checked late: while Slack never answers, no more are kept. */
const LATE_CHECKS_KEPT = 20;
/** Foreign workspaces remembered as logged; past this many (a forged team_id needs the signing secret) all are logged again. */
const LOGGED_TEAMS_KEPT = 100;

/**
 * The request's workspace when it is not the one SLACK_BOT_TOKEN belongs to, else undefined. Nothing is judged while
 * either side is unknown (auth.test not answered yet; a request naming no team).
 *
 * Enterprise Grid: an app installed org-wide (one token for the whole organisation) gets requests from every
 * workspace of it, each with its own team_id, and a workspace-level install in a Grid organisation can be used from a
 * channel shared with a sibling workspace. Both are the same organisation as the token's, so a request whose
 * enterprise_id is the token's is never refused here, whatever its team_id. [?] Slack Connect: Bolt takes the
 * installation's team for events (authorizations) and modals (app_installed_team_id); for a button pressed by someone
 * of another organisation Slack does not document which team `team.id` names, so such a press could be told this.
 */
export function foreignWorkspace(own: BotIdentity, from: RequestWorkspace): RequestWorkspace | undefined {
  if (own.teamId === undefined || from.teamId === undefined || from.teamId === own.teamId) return undefined;
  if (own.enterpriseId !== undefined && from.enterpriseId === own.enterpriseId) return undefined;
  return from;
}

/** What the person who used smsops from the other workspace reads. */
export function otherWorkspaceWords(own: BotIdentity, from: RequestWorkspace): string {
  const ownName = own.teamName ? `"${own.teamName}" (${own.teamId})` : own.teamId;
  return `smsops cannot work in this Slack workspace (${from.teamId}): its bot token (SLACK_BOT_TOKEN) belongs to another workspace, ${ownName}, so nothing it does can reach this one's channels. An admin of smsops needs to install the Slack app in this workspace and put its Bot User OAuth Token (OAuth & Permissions) in SLACK_BOT_TOKEN, then restart smsops; or use smsops from ${ownName}.`;
}

/**
 * A bot token copied from another workspace than the one whose people use the app (the app installed in two, the
 * wrong token pasted): `/sms help` answered, but every channel smsops looked at was "not found", its doctor failed
 * six checks naming nothing of the cause, and a relayed SMS posted to the token's own workspace. Every request is
 * now compared with the token's workspace (auth.test, asked once and kept: src/slack/botIdentity.ts), and one from
 * another workspace is answered in words (a command's acknowledgement, a button's response_url) and logged once per
 * workspace, not handled: smsops serves one workspace. A request that came before auth.test answered is handled as
 * before, then told the same through its response_url once the answer is in.
 */
export function checkRequestWorkspace(
  identity: Pick<BotIdentitySource, 'known' | 'whenKnown'>,
  logger: Logger,
): Middleware<AnyMiddlewareArgs> {
  const logged = new Set<string>();
  let lateChecks = 0;
  const log = (own: BotIdentity, from: RequestWorkspace) => {
    const key = from.teamId ?? '';
    if (logged.has(key)) return;
    if (logged.size >= LOGGED_TEAMS_KEPT) logged.clear();
    logged.add(key);
    logger.error(
      `Slack requests come from workspace ${from.teamId}, but SLACK_BOT_TOKEN belongs to workspace ${own.teamName ?? ''} (${own.teamId}): they are answered with what to fix, not handled. Put the Bot User OAuth Token of the app installed in the workspace smsops serves in SLACK_BOT_TOKEN and restart`,
      { requestTeam: from.teamId, tokenTeam: own.teamId, ...(from.enterpriseId ? { requestEnterprise: from.enterpriseId } : {}) },
    );
  };

  return async (args) => {
    const from: RequestWorkspace = {
      ...(args.context.teamId ? { teamId: args.context.teamId } : {}),
      ...(args.context.enterpriseId ? { enterpriseId: args.context.enterpriseId } : {}),
    };
    const respond = 'respond' in args && typeof args.respond === 'function' ? args.respond : undefined;
    const own = identity.known();
    if (own === undefined) {
      // Not waited for: Slack wants the acknowledgement within 3 s and auth.test may hang (a probe: 91 s).
      if (respond && from.teamId !== undefined && lateChecks < LATE_CHECKS_KEPT) {
        lateChecks += 1;
        void identity.whenKnown().then(async (learnt) => {
          lateChecks -= 1;
          if (!foreignWorkspace(learnt, from)) return;
          log(learnt, from);
          await respond({ response_type: 'ephemeral', replace_original: false, text: otherWorkspaceWords(learnt, from) }).catch(
            (error: unknown) => logger.warn('the other workspace could not be told', { error: describeError(error) }),
          );
        });
      }
      await args.next();
      return;
    }
    if (!foreignWorkspace(own, from)) {
      await args.next();
      return;
    }
    log(own, from);
    const text = otherWorkspaceWords(own, from);
    const ack = 'ack' in args && typeof args.ack === 'function' ? args.ack : undefined;
    const body = args.body as { type?: unknown; command?: unknown };
    if (typeof body.command === 'string') {
      // A command's acknowledgement is shown to the person alone.
      await ack?.({ response_type: 'ephemeral', text } as never);
      return;
    }
    // A number search is answered with no options; an event was acknowledged by Bolt already (ack is absent).
    await (body.type === 'block_suggestion' ? ack?.({ options: [] } as never) : ack?.());
    // The token cannot post in this workspace (chat.postEphemeral would be "channel_not_found"); a response_url can.
    await respond?.({ response_type: 'ephemeral', replace_original: false, text }).catch((error: unknown) =>
      logger.warn('the other workspace could not be told', { error: describeError(error) }),
    );
  };
}
