import { randomBytes } from 'node:crypto';
import { type RunningSmsops, startSmsops } from '../app.js';
import { parseConfig } from '../config.js';
import { smsopsWebhookUrls } from '../core/webhooks.js';
import { describeError } from '../errors.js';
import type { HttpLimits } from '../http/limitsConfig.js';
import { type Logger, type LogLevel, registerSecret } from '../log.js';
import { warnOncePerMinute } from '../logOncePerMinute.js';
import { createConsoleApi } from './consoleApi.js';
import { buildConsolePage, sendConsolePage, sendFavicon } from './consolePage.js';
import { createConsoleGate } from './consoleToken.js';
import { startWavixEmulator, type WavixEmulator } from './emulator/server.js';
import { type FakeSlack, startFakeSlack } from './fakeSlackApi.js';
import { type ConsoleFeed, createConsoleFeed } from './feed.js';
import { startFrontServer } from './frontServer.js';
import { sendJson } from './http/answer.js';
import { isLoopbackHost } from './mode.js';
import { defaultStandInSeed, PORTSIP_STANDIN_USER, startPortsipStandIn } from './portsip/standIn.js';
import type { PortsipSink } from './portsipSink.js';
import { proxyHeaderOf } from './proxiedRequest.js';
import { type PlacedSink, sinkPlaceFile, startPlacedSink } from './sinkPlace.js';
import { createSlackRequestClient } from './slackRequests.js';
import { SANDBOX_WORKSPACE } from './workspace.js';

export interface SandboxOptions {
  /** The console's (and smsops') one listener. */
  host: string;
  port: number;
  databasePath: string;
  logger: Logger;
  logLevel: LogLevel;
  /** False in tests: jobs then run only when asked, never at a minute boundary mid-test. Default true. */
  scheduleJobs?: boolean;
  /** When set, the console and its API answer only requests carrying it (cookie or bearer; see consoleToken.ts). */
  consoleToken?: string;
  /** The listener's timeouts and connection cap; defaults when omitted. */
  limits?: HttpLimits;
}

export interface RunningSandbox {
  /** The listener's base URL in loopback form, e.g. `http://127.0.0.1:3000`. */
  url: string;
  /** `url` + `/sandbox`. */
  consoleUrl: string;
  smsops: RunningSmsops;
  emulator: WavixEmulator;
  fakeSlack: FakeSlack;
  sink: PortsipSink;
  /** Whether the PortSIP stand-in kept the port of the last run (see sinkPlace.ts). */
  sinkPort: PlacedSink['port'];
  /** The stand-in's webhook URL smsops relays to by default (and `/sms portsip` proposes). */
  portsipWebhookUrl: string;
  feed: ConsoleFeed;
  stop(): Promise<void>;
}

const secret = () => randomBytes(24).toString('base64url');

/** A wildcard listener is reached on loopback; a specific address as it is. */
function localUrl(host: string, boundUrl: string, port: number): string {
  return ['0.0.0.0', '::', ''].includes(host) ? `http://127.0.0.1:${port}` : boundUrl;
}

/**
 * smsops with nothing real around it: the Wavix emulator, a fake Slack Web API, a stand-in PortSIP webhook and a web
 * console on one port, all in this process. The only thing seeded is what makes it usable at once: the emulator
 * account's default inbound (and delivery report) webhook points at smsops, as `/sms webhook set` would leave it.
 */
export async function startSandbox(options: SandboxOptions): Promise<RunningSandbox> {
  const { logger } = options;
  const cleanups: Array<() => Promise<void>> = [];
  const stopAll = async () => {
    for (const cleanup of cleanups.reverse()) {
      await cleanup().catch((error: unknown) =>
        logger.warn('sandbox part did not stop cleanly', { error: describeError(error) }),
      );
    }
  };

  try {
    const signingSecret = secret();
    const botToken = `xoxb-sandbox-${randomBytes(12).toString('hex')}`;
    const webhookSecret = secret();
    const wavixKey = `sandbox-${randomBytes(16).toString('hex')}`;
    for (const value of [signingSecret, botToken, webhookSecret, wavixKey]) registerSecret(value);

    const emulator = await startWavixEmulator({
      apiKey: wavixKey,
      adminNeedsKey: true,
      logger: logger.child({ component: 'emulator' }),
    });
    cleanups.push(() => emulator.close());
    // The emulator's clock moves only when told; here it keeps Wavix's time in step with the wall clock.
    const ticking = setInterval(() => void emulator.clock.advance(Math.max(0, Date.now() - emulator.clock.now())), 1000);
    ticking.unref();
    cleanups.push(async () => clearInterval(ticking));

    let feed: ConsoleFeed | undefined;
    // The sandbox's person is a workspace admin in the inbox channel: they may change and read everything.
    const you = SANDBOX_WORKSPACE.user.id;
    const fakeSlack = await startFakeSlack({
      botUserId: SANDBOX_WORKSPACE.bot.id,
      users: {
        [you]: { admin: true, displayName: SANDBOX_WORKSPACE.user.name },
        [SANDBOX_WORKSPACE.member.id]: { admin: false, displayName: SANDBOX_WORKSPACE.member.name },
      },
      channelMembers: {
        // Where both people type `/sms …`: /sms traffic posts its chart only into a channel the person is in.
        [SANDBOX_WORKSPACE.commandChannel]: [you, SANDBOX_WORKSPACE.member.id, SANDBOX_WORKSPACE.bot.id],
        [SANDBOX_WORKSPACE.inboxChannel]: [you, SANDBOX_WORKSPACE.bot.id],
        [SANDBOX_WORKSPACE.alertChannel]: [you, SANDBOX_WORKSPACE.bot.id],
      },
      onRecord: (record) => feed?.record(record),
      // Refused as real Slack refuses them: an answer over a Block Kit limit fails here as it would for a person.
      enforceLimits: true,
      // So `/sms route set … #sms-inbox` typed in the console resolves as in a real workspace.
      channels: Object.entries(SANDBOX_WORKSPACE.channelNames).map(([id, name]) => ({ id, name })),
      // The database keeps the ts of posts, threads and replies across runs: a counter restarting at the same value
      // would hand out one of them again (a new SMS merged into an old post, a reply taken for one already handled).
      timestamps: 'clock',
    });
    cleanups.push(() => fakeSlack.close());
    const consoleFeed = createConsoleFeed({ responseUrlBase: fakeSlack.responseUrl, nextTs: fakeSlack.nextTs });
    feed = consoleFeed;

    const placed = await startPlacedSink(options.databasePath);
    const { sink } = placed;
    cleanups.push(() => sink.close());
    const portsipWebhook = `${sink.url}${placed.webhookPath}`;
    // PortSIP's REST API too, so `/sms portsip` proposes that webhook as a route and doctor checks inbound rules.
    const seed = defaultStandInSeed();
    const pbx = await startPortsipStandIn({
      ...seed,
      smsConfigurations: seed.smsConfigurations.map((c) => ({ ...c, webhook: portsipWebhook })),
    });
    cleanups.push(() => pbx.close());

    const page = buildConsolePage();
    let api: ReturnType<typeof createConsoleApi> | undefined;
    const gate = options.consoleToken ? createConsoleGate(options.consoleToken) : undefined;
    // A sandbox reached through a proxy is most likely one started by mistake on a server (no .env where it runs).
    const proxiedWarning = warnOncePerMinute(
      logger,
      'the sandbox console was asked for through a proxy and refused (403): if this machine should run smsops for real, its .env or variables did not reach this process',
      {},
      { countField: 'refusedSinceLastWarning' },
    );
    const front = await startFrontServer({
      host: options.host,
      port: options.port,
      logger,
      ...(options.limits ? { limits: options.limits } : {}),
      console: (req, res, path) => {
        if (gate && path !== '/sandbox/favicon.svg' && !gate.pass(req, res, path)) return true;
        // Without a token the console trusts whoever reaches loopback, so it must be the browser of this machine's
        // user on a loopback name: a web page that rebinds its own name to 127.0.0.1 sends its own name as Host.
        if (!gate && !isLoopbackHost((req.headers.host ?? '').replace(/:\d+$/, ''))) {
          sendJson(res, 403, { error: 'open the sandbox console at http://localhost:<port>/sandbox' });
          return true;
        }
        const proxied = gate ? undefined : proxyHeaderOf(req);
        if (proxied) {
          proxiedWarning(proxied, { sign: proxied });
          sendJson(res, 403, {
            error:
              'this request came through a proxy: without a token the sandbox console is for a browser on this machine; set SMSOPS_SANDBOX_REQUIRE_TOKEN=1 and open the URL with the token printed at start',
          });
          return true;
        }
        if (path === '/sandbox' || path === '/sandbox/') {
          if (req.method !== 'GET') return false;
          sendConsolePage(res, page);
          return true;
        }
        if (path === '/sandbox/favicon.svg') {
          sendFavicon(res);
          return true;
        }
        return api?.handle(req, res, path) ?? false;
      },
    });
    cleanups.push(() => front.close());
    const url = localUrl(options.host, front.url, Number(new URL(front.url).port));

    const config = parseConfig({
      SLACK_BOT_TOKEN: botToken,
      SLACK_SIGNING_SECRET: signingSecret,
      SLACK_API_URL: fakeSlack.url,
      SLACK_ALERT_CHANNEL: SANDBOX_WORKSPACE.alertChannel,
      SLACK_INBOX_CHANNEL: SANDBOX_WORKSPACE.inboxChannel,
      // The permission model of a configured deployment: "you" may change things, the member can only read.
      SLACK_ADMIN_USERS: you,
      WAVIX_API_KEY: wavixKey,
      WAVIX_API_URL: emulator.url,
      PUBLIC_BASE_URL: url,
      WEBHOOK_SECRET: webhookSecret,
      PORTSIP_WEBHOOK_URL: portsipWebhook,
      PORTSIP_API_URL: pbx.url,
      PORTSIP_API_USER: PORTSIP_STANDIN_USER.username,
      PORTSIP_API_PASSWORD: PORTSIP_STANDIN_USER.password,
      DATABASE_PATH: options.databasePath,
      PORT: '0',
      HOST: '127.0.0.1',
      LOG_LEVEL: options.logLevel,
    });
    if (!config.ok) throw config.error;

    const smsops = await startSmsops(config.value, {
      logger,
      mode: 'sandbox',
      ...(options.scheduleJobs === false ? { scheduleJobs: false } : {}),
    });
    cleanups.push(() => smsops.stop());
    front.setUpstream(smsops.url);
    // Only now: this sandbox holds the database (see sinkPlace.ts). Without the file the next run may take another
    // port, which it then says; not a reason to stop this one.
    const savedPlace = placed.save();
    if (!savedPlace.ok) {
      logger.warn('the PortSIP stand-in port could not be saved for the next run', {
        file: sinkPlaceFile(options.databasePath),
        error: savedPlace.reason,
      });
    }

    const webhooks = smsopsWebhookUrls(url, webhookSecret);
    const seeded = await fetch(`${emulator.url}/v1/profile`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${wavixKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ sms_relay_url: webhooks?.inbound, dlr_relay_url: webhooks?.dlr }),
    });
    if (!seeded.ok) throw new Error(`the emulator refused the sandbox's webhooks: HTTP ${seeded.status}`);

    const slackAs = (person: { id: string; name: string }) =>
      createSlackRequestClient({
        eventsUrl: `${smsops.url}/slack/events`,
        signingSecret,
        responseUrl: fakeSlack.responseUrl,
        userId: person.id,
        userName: person.name,
        channelId: SANDBOX_WORKSPACE.commandChannel,
        channelName: SANDBOX_WORKSPACE.channelNames[SANDBOX_WORKSPACE.commandChannel] ?? 'ops',
      });
    api = createConsoleApi({
      feed: consoleFeed,
      slack: slackAs(SANDBOX_WORKSPACE.user),
      slackAsMember: slackAs(SANDBOX_WORKSPACE.member),
      emulator,
      sink,
      logger: logger.child({ component: 'sandbox' }),
    });

    let stopping: Promise<void> | undefined;
    return {
      url,
      consoleUrl: `${url}/sandbox`,
      smsops,
      emulator,
      fakeSlack,
      sink,
      sinkPort: placed.port,
      portsipWebhookUrl: portsipWebhook,
      feed: consoleFeed,
      stop: () => {
        stopping ??= stopAll();
        return stopping;
      },
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}
