import { createServer, type Server } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { trafficReport } from '../../src/core/traffic.js';
import { createLogger } from '../../src/log.js';
import { createWatchSlackClient } from '../../src/slack/app.js';
import { boltLineWithoutBodies } from '../../src/slack/boltLogger.js';
import { createAnnouncements } from '../../src/slack/notifier/announcements.js';
import { createTrafficRepository } from '../../src/store/repositories/traffic.js';
import { createTempDb } from '../helpers/tempDb.js';

const TOKEN = 'CwABAAAAXAoAAZnrHfPresignedPart';

/** Slack's Web API, whose file host answers the upload with 429 and no Retry-After (a gateway, an overloaded host). */
async function slackWhoseUploadHostRateLimits(): Promise<{ server: Server; url: string }> {
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const path = req.url ?? '';
      if (path.startsWith('/upload/')) {
        res.writeHead(429).end();
        return;
      }
      res.setHeader('content-type', 'application/json');
      const origin = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
      res.end(
        JSON.stringify(
          path.includes('files.getUploadURLExternal')
            ? { ok: true, upload_url: `${origin}/upload/v1/${TOKEN}`, file_id: 'F0CHART01' }
            : { ok: true, channel: 'C0TEST0001', ts: '1700000000.000100' },
        ),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as { port: number }).port}/api/` };
}

let server: Server | undefined;
afterEach(() => server?.close());

describe('an upload address (pre-signed) in the lines about a failed upload', () => {
  it('is cut to its host in the warn line of a digest chart that could not be uploaded (429 without Retry-After)', async () => {
    const slack = await slackWhoseUploadHostRateLimits();
    server = slack.server;
    const lines: string[] = [];
    const logger = createLogger({ level: 'info', sink: (line) => lines.push(line) });
    const client = createWatchSlackClient({ botToken: 'xoxb-test-0000', apiUrl: slack.url } as never, logger, { retries: 0 });
    const announce = createAnnouncements({ slack: client, relaySlack: client, channel: 'C0TEST0001', logger });
    const t = createTempDb();
    const report = await trafficReport({ traffic: createTrafficRepository(t.db, t.clock.now), now: t.clock.now }, '24h');
    t.cleanup();
    await announce({ type: 'dailyDigest', report, openAlerts: [], endedAlerts: [] });
    const line = lines.find((l) => l.includes('daily digest chart not uploaded')) ?? '';
    expect(line).toContain('/upload/…');
    expect(lines.join('\n')).not.toContain(TOKEN);
  });

  it('is cut wherever it stands in a client line, and a body keeps being reduced to its size', () => {
    expect(
      boltLineWithoutBodies([
        'http request failed',
        `A rate limit was exceeded (url: https://files.slack.com/upload/v1/${TOKEN}, retry-after: 3)`,
      ]),
    ).toBe('http request failed A rate limit was exceeded (url: https://files.slack.com/upload/…, retry-after: 3)');
    const body = boltLineWithoutBodies(['http request body: {"text":"see https://example.com/upload/x meet Dr Quinlan"}']);
    expect(body).toMatch(/^http request body: \[\d+ bytes omitted\]$/);
  });
});
