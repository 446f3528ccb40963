import { destinationRemark } from '../../core/destinationUrls.js';
import { formatPhoneForPeople } from '../../core/phone.js';
import type { RoutesOverview } from '../../core/routes.js';
import type { Route } from '../../store/repositories/routes.js';
import { webhookLabel } from './numbers.js';
import { context, escapeMrkdwn, mention, type SlackMessage, section } from './text.js';

const routeName = (number: string) =>
  number === 'default' ? '*default* (every other number)' : `*${escapeMrkdwn(formatPhoneForPeople(number))}*`;

function routeLine(route: Route): string {
  const portsip = route.portsipUrl ? `PortSIP ${webhookLabel(route.portsipUrl, false)}` : 'no PortSIP relay';
  const channel = route.slackChannel ? `<#${route.slackChannel}>` : 'the inbox channel';
  return `${routeName(route.number)} → ${portsip} · posted in ${channel} · set by ${mention(route.createdBy)}${
    route.portsipUrl ? remarkOf(route.portsipUrl) : ''
  }`;
}

/** Loopback and private destinations are named; one set before the destination check existed says it is refused now. */
export function remarkOf(url: string): string {
  const remark = destinationRemark(url);
  if (remark.refused) return `\n:no_entry: ${escapeMrkdwn(remark.refused)} Set this route again with another URL.`;
  return remark.note ? `\n:house: ${escapeMrkdwn(remark.note)}` : '';
}

export function routeListMessage(overview: RoutesOverview): SlackMessage {
  const lines = overview.routes.map(routeLine);
  const fallback = overview.routes.some((r) => r.number === 'default')
    ? []
    : [
        overview.fallbackPortsipUrl
          ? `Numbers without a route go to PORTSIP_WEBHOOK_URL ${webhookLabel(overview.fallbackPortsipUrl, false)}.${remarkOf(
              overview.fallbackPortsipUrl,
            ).replace('\n', ' ')}`
          : 'Numbers without a route are not relayed to PortSIP (no `default` route, no PORTSIP_WEBHOOK_URL); they are still stored and posted in Slack.',
      ];
  return {
    text: `${overview.routes.length} route${overview.routes.length === 1 ? '' : 's'}`,
    blocks: [
      section(
        lines.length > 0
          ? `*Routes*\n${lines.slice(0, 40).join('\n')}`
          : 'No routes yet. `/sms route set default <PortSIP webhook URL>` adds one.',
      ),
      ...fallback.map((text) => context(text)),
    ],
  };
}

export function routeSetMessage(route: Route): SlackMessage {
  const text = `Route saved: ${route.number}.`;
  return { text, blocks: [section(`:white_check_mark: Route saved.\n${routeLine(route)}`)] };
}

export function routeRemovedMessage(route: Route): SlackMessage {
  const text = `Route removed: ${route.number}.`;
  return { text, blocks: [section(`:wastebasket: Route removed: ${routeName(route.number)}.`)] };
}
