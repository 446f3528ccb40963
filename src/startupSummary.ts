import { maskUrl } from './core/urls.js';

/**
 * The few facts a person at the terminal needs after start, one line each, beside the JSON log (which may be shipped
 * elsewhere and is hard to read): where smsops listens, and what is missing and what that means for SMS. URLs that
 * hold the webhook secret are masked; nothing else printed here is secret.
 */
export interface StartupFacts {
  /** The listener actually bound, e.g. http://0.0.0.0:3000. */
  listeningUrl: string;
  publicBaseUrl: string | undefined;
  /** smsops' inbound webhook URL (holds the secret), when PUBLIC_BASE_URL is set. */
  inboundWebhookUrl: string | undefined;
  portsipWebhookUrl: string | undefined;
  portsipRouteCount: number;
  slackMode: string;
}

/** 0.0.0.0 and :: are not addresses a browser can open: say so, with the local URL that works. */
function shownListener(url: string): string {
  const wildcard = /^http:\/\/(0\.0\.0\.0|\[::\]):(\d+)$/.exec(url);
  return wildcard ? `${url} (all addresses; here: http://localhost:${wildcard[2]})` : url;
}

export function startupSummary(facts: StartupFacts): string[] {
  const listening = shownListener(facts.listeningUrl);
  const lines = [
    facts.publicBaseUrl === undefined
      ? `listening on ${listening}, health at /healthz; PUBLIC_BASE_URL is not set, so Wavix cannot reach smsops: no inbound SMS and no delivery reports`
      : `listening on ${listening}, health at /healthz; Wavix posts inbound SMS to ${maskUrl(facts.inboundWebhookUrl ?? facts.publicBaseUrl)}`,
    `Slack: ${facts.slackMode === 'socket' ? 'Socket Mode (SLACK_APP_TOKEN)' : `HTTP mode: Slack must reach ${facts.publicBaseUrl ?? 'this server'}/slack/events`}`,
  ];
  if (facts.portsipRouteCount === 0 && facts.portsipWebhookUrl === undefined) {
    lines.push(
      'no PortSIP route and no PORTSIP_WEBHOOK_URL: inbound SMS are stored and shown in Slack but not relayed to PortSIP (/sms route set adds one)',
    );
  } else {
    const routes = `${facts.portsipRouteCount} PortSIP route${facts.portsipRouteCount === 1 ? '' : 's'}`;
    const fallback = facts.portsipWebhookUrl === undefined ? 'no default' : `default ${maskUrl(facts.portsipWebhookUrl)}`;
    lines.push(`relaying inbound SMS to PortSIP: ${routes}, ${fallback}`);
  }
  return lines.map((line) => `smsops: ${line}`);
}
