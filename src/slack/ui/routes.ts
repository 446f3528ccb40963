import { destinationRemark, pathlessRemark, plainHttpRemark } from '../../core/destinationUrls.js';
import type { RelayRoute } from '../../core/model/relayRoute.js';
import { matchesNumberSearch } from '../../core/numberSearch.js';
import { formatPhoneForPeople, inNumberData } from '../../core/phone.js';
import { storedPortsipUrlProblem } from '../../core/portsipUrl.js';
import { type RouteChange, type RoutesOverview, routeInForce } from '../../core/routes.js';
import { ACTION } from '../ids.js';
import { searchesWithoutVerb } from '../listeners/commands/parseCommand.js';
import { webhookLabel } from './numbers.js';
import { linesIntoTexts, pageFooter, pageOf, paginate } from './pages.js';
import { type Block, button, code, context, escapeMrkdwn, mention, type SlackMessage, section } from './text.js';

/** Routes a page of `/sms routes`. */
export const ROUTES_PER_PAGE = 40;

/** What `/sms routes` was asked: a search (digits of a number, or `default`) and a page. */
export interface RouteListRequest {
  query?: string;
  page?: number;
}

const routesCommand = (query: string | undefined, page?: number): string =>
  code(
    `/sms routes${query ? ` ${searchesWithoutVerb(query) ? '' : 'find '}${query}` : ''}${page !== undefined && page > 1 ? ` page ${page}` : ''}`,
  );

const routeText = (number: string) => (number === 'default' ? 'default' : formatPhoneForPeople(number));

const routeName = (number: string) =>
  number === 'default' ? '*default* (every other number)' : `*${escapeMrkdwn(formatPhoneForPeople(number))}*`;

const FROM: Record<'default' | 'config', { portsip: string; slack: string }> = {
  default: { portsip: ' (the `default` route’s)', slack: ' (the `default` route’s)' },
  config: { portsip: ' (PORTSIP_WEBHOOK_URL)', slack: ' (the inbox channel)' },
};

/**
 * Where a route key's messages go now, each field with where it comes from when not the route's own: the relay falls
 * back field by field, so a route naming only a channel still relays to the `default` route's PortSIP URL.
 */
export function destinationsText(overview: RoutesOverview, key: string): string {
  const { portsip, slack } = routeInForce(overview, key);
  const portsipText =
    portsip.value === null
      ? 'no PortSIP relay'
      : `PortSIP ${webhookLabel(portsip.value, false)}${portsip.source === 'own' ? '' : FROM[portsip.source].portsip}`;
  const slackText =
    slack.value === null
      ? overview.inboxChannel === undefined
        ? 'the inbox channel'
        : 'no channel'
      : `<#${slack.value}>${slack.source === 'own' ? '' : FROM[slack.source].slack}`;
  return `${portsipText} · posted in ${slackText}`;
}

function routeLine(overview: RoutesOverview, route: RelayRoute): string {
  return `${routeName(route.number)} → ${destinationsText(overview, route.number)} · set by ${mention(route.updatedBy)}${
    route.portsipUrl ? remarkOf(route.portsipUrl) : ''
  }`;
}

/**
 * Loopback and private destinations are named; one set before the destination check existed says it is refused now,
 * and one saved before URLs were checked (an older smsops kept ` #channel` in it) says why it cannot be right.
 */
export function remarkOf(url: string): string {
  const problem = storedPortsipUrlProblem(url);
  if (problem) return `\n:no_entry: This URL cannot be right: ${escapeMrkdwn(problem)}`;
  const remark = destinationRemark(url);
  if (remark.refused) return `\n:no_entry: ${escapeMrkdwn(remark.refused)} Set this route again with another URL.`;
  const plain = plainHttpRemark(url);
  const pathless = pathlessRemark(url);
  return `${remark.note ? `\n:house: ${escapeMrkdwn(remark.note)}` : ''}${pathless ? `\n:warning: ${escapeMrkdwn(pathless)}` : ''}${
    plain ? `\n:unlock: ${escapeMrkdwn(plain)}` : ''
  }`;
}

/**
 * `/sms routes` (and the Home tab's routes): one page of the routes, or of those a search names, with where the page
 * sits and the command for the next one; every route is on some page.
 */
export function routeListMessage(overview: RoutesOverview, request: RouteListRequest = {}): SlackMessage {
  const fallback = overview.routes.some((r) => r.number === 'default')
    ? []
    : [
        overview.fallbackPortsipUrl
          ? `Numbers without a route go to PORTSIP_WEBHOOK_URL ${webhookLabel(overview.fallbackPortsipUrl, false)}.${remarkOf(
              overview.fallbackPortsipUrl,
            ).replace('\n', ' ')}`
          : 'Numbers without a route are not relayed to PortSIP (no `default` route, no PORTSIP_WEBHOOK_URL); they are still stored and posted in Slack.',
      ].map((text) => context(text));
  const summary = `${overview.routes.length} route${overview.routes.length === 1 ? '' : 's'}`;
  if (overview.routes.length === 0) {
    return {
      text: summary,
      blocks: [section('No routes yet. `/sms route set default <PortSIP webhook URL>` adds one.'), ...fallback],
    };
  }
  const query = request.query?.trim() || undefined;
  const found = query
    ? overview.routes.filter((r) =>
        r.number === 'default' ? query.toLowerCase() === 'default' : matchesNumberSearch({ e164: r.number }, query),
      )
    : overview.routes;
  if (found.length === 0) {
    return {
      text: escapeMrkdwn(`No route matches ${query}`),
      blocks: [
        section(`*Routes*\nNo route of the ${summary} matches ${code(query ?? '')}. ${routesCommand(undefined)} lists them all.`),
        ...fallback,
      ],
    };
  }
  const line = (r: RelayRoute) => routeLine(overview, r);
  const pages = paginate(found, (r) => [section(line(r))], {
    reservedBlocks: 8,
    reservedText: 1200,
    maxItems: ROUTES_PER_PAGE,
  });
  const page = pageOf(pages, request.page ?? 1);
  const title = query ? `*Routes matching ${code(query)}* (${found.length} of ${overview.routes.length})` : '*Routes*';
  const texts = linesIntoTexts([title, ...page.items.map(line)]);
  const blocks: Block[] = [
    ...texts.map((text) => section(text)),
    ...pageFooter(page, query ? { one: 'matching route' } : { one: 'route' }, (next) => routesCommand(query, next)),
    ...fallback,
  ];
  return { text: page.count > 1 ? `${summary} (page ${page.number} of ${page.count})` : summary, blocks };
}

/** What the change did to messages already queued: moved to the new route and sent now, or left without one. */
function queuedEffect(change: RouteChange): string[] {
  const lines: string[] = [];
  if (change.moved > 0) {
    lines.push(
      `:arrows_counterclockwise: ${change.moved} queued deliver${change.moved === 1 ? 'y' : 'ies'} (pending or dead) moved to this route and sent now.`,
    );
  }
  if (change.unrouted > 0) {
    lines.push(
      `:warning: ${change.unrouted} queued deliver${change.unrouted === 1 ? 'y has' : 'ies have'} no route now and stay${change.unrouted === 1 ? 's' : ''} with the old destination: \`/sms route set\` one to move them.`,
    );
  }
  return lines;
}

/** The fields the command did not give, kept as the route had them, and how to clear one. */
function keptNote(change: RouteChange): string[] {
  const kept = change.kept ?? [];
  const before = change.before;
  if (kept.length === 0 || !before) return [];
  const what = kept.map((field) =>
    field === 'slackChannel'
      ? `its channel <#${before.slackChannel}>`
      : `its PortSIP URL ${webhookLabel(before.portsipUrl, false)}`,
  );
  const clear =
    kept[0] === 'slackChannel'
      ? `${code(`/sms route set ${routeText(change.value.number)} <URL> default`)} clears the channel`
      : `${code(`/sms route set ${routeText(change.value.number)} default #channel`)} clears the URL`;
  return [`Kept ${what.join(' and ')} (not given). ${clear}, so that the fallback decides.`];
}

/**
 * A +1 number smsops' number data does not know was taken by the plan's shape (a new area code): a typo into an unused
 * one is taken the same way, and its route would never match an SMS. Said, with where to check, since route set does
 * not ask Wavix.
 */
function unknownAreaCodeNote(number: string): string[] {
  if (number === 'default' || !number.startsWith('+1') || inNumberData(number)) return [];
  return [
    `:grey_question: Area code ${number.slice(2, 5)} is not in smsops' number data: a new one, or a typo? ${code(`/sms number list ${formatPhoneForPeople(number)}`)} shows whether the number is on the Wavix account.`,
  ];
}

/**
 * The answer to `route set`, with where the route's messages go now (`overview` read after the change) and, given an
 * undo token, what it replaced with a "Put back" button: Slack shows route URLs masked, so the one overwritten could
 * not be copied back from anywhere in Slack.
 */
export function routeSetMessage(
  change: RouteChange,
  overview?: RoutesOverview,
  channelWarning?: string,
  undoToken?: string,
): SlackMessage {
  const route = change.value;
  const text = `Route saved: ${routeText(route.number)}.${change.moved > 0 ? ` ${change.moved} queued deliveries moved to it.` : ''}`;
  const line = overview ? routeLine(overview, route) : routeLine({ routes: [route], fallbackPortsipUrl: null }, route);
  const warning = channelWarning ? [section(`:warning: Its Slack channel: ${escapeMrkdwn(channelWarning)}`)] : [];
  return {
    text: escapeMrkdwn(channelWarning ? `${text} Its Slack channel: ${channelWarning}` : text),
    blocks: [
      section(`:white_check_mark: Route saved.\n${line}`),
      ...warning,
      ...[...unknownAreaCodeNote(route.number), ...keptNote(change), ...queuedEffect(change)].map(context),
      ...undoBlocks(change, undoToken, 'set'),
    ],
  };
}

/** The answer to `route remove`, with where the number's messages go now (`overview` read after the change). */
export function routeRemovedMessage(change: RouteChange, overview?: RoutesOverview, undoToken?: string): SlackMessage {
  const route = change.value;
  const text = `Route removed: ${routeText(route.number)}.`;
  const now = overview ? `\nIts messages now go to: ${destinationsText(overview, route.number)}.` : '';
  return {
    text: escapeMrkdwn(text),
    blocks: [
      section(`:wastebasket: Route removed: ${routeName(route.number)}.${now}`),
      ...queuedEffect(change).map(context),
      ...undoBlocks(change, undoToken, 'remove'),
    ],
  };
}

const fieldsText = (r: Pick<RelayRoute, 'portsipUrl' | 'slackChannel'>) =>
  `PortSIP ${r.portsipUrl ? webhookLabel(r.portsipUrl, false) : 'none'} · channel ${r.slackChannel ? `<#${r.slackChannel}>` : 'none'}`;

/**
 * What the change replaced (its own fields; "none": the fallback decided) and the button that puts it back: one press,
 * no URL to find again. A change that replaced nothing (a new route) is undone by removing it.
 */
function undoBlocks(change: RouteChange, undoToken: string | undefined, kind: 'set' | 'remove'): Block[] {
  const before = change.before;
  const unchanged =
    kind === 'set' &&
    before &&
    before.portsipUrl === change.value.portsipUrl &&
    before.slackChannel === change.value.slackChannel;
  if (unchanged) return [context('Nothing changed: the route already was this.')];
  const what =
    kind === 'remove' && before
      ? `Removed: ${fieldsText(before)} (set by ${mention(before.updatedBy)}).`
      : before
        ? `Replaced: ${fieldsText(before)} (set by ${mention(before.updatedBy)}).`
        : `There was no route for ${routeText(change.value.number)} before (it followed ${change.value.number === 'default' ? 'PORTSIP_WEBHOOK_URL and the inbox channel' : 'the `default` route'}).`;
  if (!undoToken) return [context(what)];
  const undoText = before ? 'Put back the previous route' : 'Remove this route again';
  return [
    context(
      `${what} A mistake? "${undoText}" restores it, queued deliveries included, while no one has changed this route since.`,
    ),
    { type: 'actions', elements: [button({ text: undoText, actionId: ACTION.undoRoute, value: undoToken })] },
  ];
}
