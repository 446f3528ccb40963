import { readThresholds } from '../core/alertRules.js';
import type { Alerts } from '../core/alerts.js';
import type { DestinationBacklog } from '../core/model/delivery.js';
import { CLOCK_BACK_MS } from '../core/wording.js';
import type { ReplyLookupHealth } from '../jobs/replyLookupJob.js';
import { type MemoryReading, memoryWords } from '../memoryLimit.js';
import type { MetricsRegistry } from '../metrics.js';
import type { Reading } from '../relay/pollerCache.js';
import type { RelayHealth } from '../relay/relayHealth.js';
import { type SlackClockReading, slackClockWords, verdictOf } from '../slack/slackClock.js';
import type { SocketState } from '../slack/socketConnection.js';
import type { Repositories, Store } from '../store/openStore.js';
import { wavixKeyRefusedWords } from '../wavix/keyRefusal.js';
import { type Route, sendJson } from './server.js';

/**
 * GET /healthz: 200 only when inbound SMS flow. 503 with the reasons when the database cannot be read or written,
 * a relay worker has stopped going round, Slack refuses the bot token (nothing reaches Slack, the alerts included,
 * so a monitor outside Slack is the one left to tell anyone; no retry or restart helps), or the oldest undelivered
 * message is older than the relay backlog alert threshold (`backlog_minutes`, 10 min by default; `off` leaves the
 * backlog out). In Socket Mode, `slack` says whether Slack's socket is connected: not connected is no reason to fail
 * (inbound SMS still flow to PortSIP and to Slack; only Slack's commands, buttons and thread replies wait), and a
 * monitor reads it there or from smsops_slack_socket_connected. `alerts` says whether alert messages reach Slack (the
 * alert channel refusing them, say), equally no reason to fail: a monitor outside Slack reads it there or from
 * smsops_alert_posts_failed_total. In HTTP mode, a host clock Slack's own time says is more than 5 minutes off is a
 * 503 (every Slack command, button and thread reply refused as stale), and `slack` says so. Everything it reads is a read or the relay's in-memory verdict: it never takes the write lock, so it
 * answers at once while another process holds it.
 */
export function healthRoute(options: {
  deliveries: Pick<Repositories['deliveries'], 'backlog'>;
  /**
   * The backlog as pollers read it (src/relay/pollerCache.ts: a costly count may be reused for a moment, and the JSON
   * says how old it is); without it, read live from `deliveries`.
   */
  polledBacklog?: () => Reading<readonly DestinationBacklog[]>;
  /** The backlog threshold is the relay backlog alert's. */
  alerts: Pick<Repositories['alerts'], 'setting'>;
  /** The read probe: throws when the database cannot be read. */
  migrationCount: Store['migrationCount'];
  now: () => number;
  relay?: () => RelayHealth;
  /** Socket Mode's connection; undefined in HTTP mode (no field then). */
  slackSocket?: () => SocketState | undefined;
  /** Since when alerts cannot be shown in Slack, and why (core/alerts.ts). */
  alertsNotShown?: Alerts['notShown'];
  /**
   * Until when (epoch ms) the alerts' Slack client waits out a Retry-After, or undefined. Said, never a 503: the posts
   * go out after the wait, but a storm held back for minutes showed "ok" while nothing reached the channel.
   */
  alertsRateLimitedUntil?: () => number | undefined;
  /**
   * HTTP mode: what Slack's own time last said of this host's clock (src/slack/slackClock.ts). Past Slack's 5-minute
   * window a 503: every Slack command, button and thread reply is refused as stale until someone sets the clock, and
   * nothing else says so (Slack takes smsops' posts). Over a minute off, `slack` warns.
   */
  slackClock?: () => SlackClockReading | undefined;
  /**
   * HTTP mode: words while every request with fresh, well-formed Slack signature headers lately failed its signature
   * check and none passed (src/slack/signatureWatch.ts), said as `slackSignatures`. Never a 503: anyone can send
   * requests with a wrong signature at will, and health must not be theirs to flip.
   */
  slackSignatures?: () => string | undefined;
  /**
   * The reply-lookups job (replies of unknown outcome looked up at Wavix): said as `replyLookups`, never a 503 (no SMS
   * waits on it; their lines stay "May have been sent" meanwhile).
   */
  replyLookups?: () => ReplyLookupHealth;
  /**
   * Since when Wavix refuses WAVIX_API_KEY (src/wavix/keyRefusal.ts), or undefined. Said in `wavix`, never a 503:
   * inbound SMS still flow, and the watch's alert tells the channel; but until then (three runs) nothing did.
   */
  wavixKeyRefusedSince?: () => number | undefined;
  /**
   * How near its memory limit smsops runs (src/memoryLimit.ts). Said, never a 503: the kill it warns of is the
   * kernel's, a restart brings the memory back down, and a monitor reading /healthz can say so before it happens.
   */
  memory?: () => MemoryReading;
}): Route {
  const { deliveries, alerts, now } = options;
  const readBacklog = options.polledBacklog ?? (() => ({ value: deliveries.backlog(), ageMs: 0 }));
  return {
    method: 'GET',
    path: '/healthz',
    handler: (_req, res) => {
      const relay = options.relay?.();
      const socket = options.slackSocket?.();
      const notShown = options.alertsNotShown?.();
      // Said, never a reason for 503: inbound SMS still flow, and a restart would not put the bot in the channel.
      const heldUntil = options.alertsRateLimitedUntil?.();
      const alertsField = options.alertsNotShown
        ? {
            alerts: notShown
              ? `not shown in Slack since ${new Date(notShown.since).toISOString()}: ${notShown.latest.words}`
              : heldUntil !== undefined
                ? `held back: Slack rate-limited smsops' posts until ${new Date(heldUntil).toISOString()}; alerts are posted after that`
                : 'ok',
          }
        : {};
      const clockReading = options.slackClock?.();
      const clockWords = slackClockWords(clockReading);
      const clockRefusing = verdictOf(clockReading) === 'refusing' && clockWords !== undefined;
      const slackLine = socket ? socketLine(socket) : clockWords;
      const refusedSince = options.wavixKeyRefusedSince?.();
      const signatureWords = options.slackSignatures?.();
      const slack = {
        ...(slackLine !== undefined ? { slack: slackLine } : {}),
        ...(signatureWords !== undefined ? { slackSignatures: signatureWords } : {}),
        ...alertsField,
        ...(refusedSince !== undefined ? { wavix: wavixKeyRefusedWords(refusedSince) } : {}),
        ...(options.memory ? { memory: memoryWords(options.memory()) } : {}),
      };
      const slackReasons = clockRefusing ? [clockWords] : [];
      try {
        const n = options.migrationCount();
        const { value: backlog, ageMs: backlogAgeMs } = readBacklog();
        const pending = backlog.reduce((sum, b) => sum + b.pending, 0);
        const oldest = backlog.reduce<number | null>(
          (min, b) =>
            b.oldestPendingCreatedAt !== null && (min === null || b.oldestPendingCreatedAt < min)
              ? b.oldestPendingCreatedAt
              : min,
          null,
        );
        const oldestAgeMs = oldest === null ? null : now() - oldest;
        // Negative: the wall clock went back since the oldest SMS arrived. Said, not shown as 0 (all well): its real
        // age is unknown, so the backlog threshold cannot be judged; the relay makes what waited for the later clock
        // due at once (src/relay/outbox.ts), so this alone is no reason to fail.
        const clockWentBack = oldestAgeMs !== null && oldestAgeMs <= -CLOCK_BACK_MS;
        const thresholdMinutes = readThresholds(alerts).backlog_minutes;
        const reasons = [...(relay?.problems ?? []), ...(relay?.unreachable ?? []), ...slackReasons];
        if (thresholdMinutes !== null && oldestAgeMs !== null && oldestAgeMs > thresholdMinutes * 60_000)
          reasons.push(
            `the oldest undelivered inbound SMS is ${Math.round(oldestAgeMs / 60_000)} min old (threshold ${thresholdMinutes} min)`,
          );
        sendJson(res, reasons.length === 0 ? 200 : 503, {
          status: reasons.length === 0 ? 'ok' : 'failing',
          reasons,
          db: relay && !relay.db.writable ? `not writable: ${relay.db.reason}` : 'ok',
          migrations: n,
          backlog: pending,
          // How old the backlog figures are: 0 when counted for this request, more when a costly count was reused.
          backlogAgeSeconds: Math.round(backlogAgeMs / 100) / 10,
          oldestPendingAgeSeconds: oldestAgeMs === null ? null : Math.round(oldestAgeMs / 1000),
          clock: clockWentBack
            ? `went back: the oldest pending SMS was stored ${Math.round(-(oldestAgeMs ?? 0) / 1000)} s later than this host's clock says now; its age is unknown (the backlog threshold cannot be judged) until the clock catches up`
            : 'ok',
          backlogThresholdMinutes: thresholdMinutes,
          dead: backlog.reduce((sum, b) => sum + b.dead, 0),
          ...(options.replyLookups ? { replyLookups: replyLookupsLine(options.replyLookups()) } : {}),
          ...slack,
          ...(relay ? { workers: relay.workers } : {}),
        });
      } catch (error) {
        const reason = error instanceof Error ? error.message : String(error);
        sendJson(res, 503, {
          status: 'failing',
          reasons: [
            ...(relay?.problems ?? []),
            ...(relay?.unreachable ?? []),
            ...slackReasons,
            `the database cannot be read: ${reason}`,
          ],
          db: reason,
          ...slack,
          ...(relay ? { workers: relay.workers } : {}),
        });
      }
    },
  };
}

function socketLine(socket: SocketState): string {
  const since = new Date(socket.since).toISOString();
  if (socket.connected) {
    const others = socket.otherConnections;
    return others === undefined
      ? `Socket Mode connected since ${since}`
      : `Socket Mode connected since ${since}, with ${others} other connection${others === 1 ? '' : 's'} on the same app token when it opened (Slack's count): another process takes a share of Slack's commands, buttons and thread replies`;
  }
  const attempts = `${socket.failedAttempts} failed attempt${socket.failedAttempts === 1 ? '' : 's'}`;
  const tried =
    socket.lastFailure === undefined
      ? ''
      : socket.failedAttempts > 0
        ? ` (${attempts}; last: ${socket.lastFailure})`
        : ` (${socket.lastFailure})`;
  return `Socket Mode not connected since ${since}${tried}: Slack commands, buttons and thread replies wait; the relay goes on`;
}

/**
 * Scrapes that read the gauges afresh: a burst of this many, then this many a second. Every scrape reads each gauge,
 * most from the database; on the public port, 64 connections asking as fast as answered (136 a second, a probe) kept
 * 378 of 958 webhooks unanswered for over 15 s and /healthz silent. A scrape past the budget gets the last text
 * rendered (under a second old while the budget is spent): Prometheus, every 15 s or so, never meets it.
 */
const SCRAPES_READ_PER_SECOND = 10;

/** GET /metrics in Prometheus' text format (prom-client's). */
export function metricsRoute(metrics: MetricsRegistry, now: () => number = () => performance.now()): Route {
  let budget = SCRAPES_READ_PER_SECOND;
  let budgetAt = now();
  let last: string | undefined;
  const render = async (): Promise<string> => {
    const at = now();
    budget = Math.min(SCRAPES_READ_PER_SECOND, budget + ((at - budgetAt) / 1000) * SCRAPES_READ_PER_SECOND);
    budgetAt = at;
    if (budget < 1 && last !== undefined) return last;
    budget -= 1;
    last = await metrics.render();
    return last;
  };
  return {
    method: 'GET',
    path: '/metrics',
    handler: async (_req, res) => {
      let text: string;
      try {
        text = await render();
      } catch (error) {
        // A scraper shows the reason; the error never becomes an unhandled rejection of the server.
        const reason = `metrics could not be rendered: ${error instanceof Error ? error.message : String(error)}\n`;
        res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8', 'content-length': Buffer.byteLength(reason) });
        res.end(reason);
        return;
      }
      res.writeHead(200, {
        'content-type': metrics.contentType,
        'content-length': Buffer.byteLength(text),
      });
      res.end(text);
    },
  };
}

/** The reply-lookups job in words: how many replies wait for a look at Wavix, and since when Wavix has not answered. */
function replyLookupsLine(health: ReplyLookupHealth): string {
  const waiting =
    health.waiting === 0
      ? 'no reply of unknown outcome waits'
      : `${health.waiting} ${health.waiting === 1 ? 'reply' : 'replies'} of unknown outcome wait${health.waiting === 1 ? 's' : ''} for a look at Wavix`;
  if (!health.failing) return health.waiting === 0 ? 'ok' : waiting;
  const { since, error, inARow } = health.failing;
  return `failing since ${new Date(since).toISOString()} (${inARow} in a row): ${error.replace(/\.$/, '')}; ${waiting}`;
}
