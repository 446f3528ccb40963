import { afterEach, describe, expect, it } from 'vitest';
import { healthRoute } from '../../src/http/health.js';
import { type HttpServer, startHttpServer } from '../../src/http/server.js';
import { silentLogger } from '../../src/log.js';
import { relayStatus } from '../../src/relay/operations.js';
import { relayStatusMessage } from '../../src/slack/ui/relay.js';
import { storeOn } from '../../src/store/openStore.js';
import { newInboundMessage } from '../helpers/inboundMessage.js';
import { formattedTexts } from '../helpers/slackText.js';
import { createTempDb, type TempDb } from '../helpers/tempDb.js';

/**
 * The wall clock stepped back an hour with SMS waiting: their ages came out negative and were shown as 0, so /healthz
 * said "oldestPendingAgeSeconds": 0 and `/sms relay status` "oldest 0 s", as if all was well.
 */

let server: HttpServer | undefined;
let temp: TempDb | undefined;
afterEach(async () => {
  await server?.close();
  temp?.cleanup();
});

const HOUR = 3_600_000;
const pbx = [{ kind: 'portsip' as const, destination: 'https://pbx.example.com/sms' }];

describe('a backlog stored by a clock later than the present one', () => {
  it('/healthz says the clock went back instead of an age of 0, and /sms relay status too', async () => {
    temp = createTempDb();
    const store = storeOn(temp.db, temp.clock.now);
    const { inbound } = store.repositories;
    inbound.insertWithDeliveries(newInboundMessage({ wavixMessageId: 'Y-1' }), pbx);
    store.repositories.slackQueue.take(10, () => null);
    server = await startHttpServer({
      host: '127.0.0.1',
      port: 0,
      logger: silentLogger,
      routes: [healthRoute({ ...store.repositories, migrationCount: store.migrationCount, now: temp.clock.now })],
    });
    const health = async () => {
      const res = await fetch(`${server?.url}/healthz`);
      return { status: res.status, body: (await res.json()) as Record<string, unknown> };
    };
    expect(await health()).toMatchObject({ status: 200, body: { status: 'ok', oldestPendingAgeSeconds: 0, clock: 'ok' } });

    temp.clock.advance(-HOUR);
    const after = await health();
    // Not failing by itself: the relay sends what waited for the later clock at once.
    expect(after).toMatchObject({ status: 200, body: { status: 'ok', backlog: 1, oldestPendingAgeSeconds: -3600 } });
    expect(after.body.clock).toMatch(/^went back: the oldest pending SMS was stored 3600 s later than this host's clock/);

    const words = formattedTexts(
      relayStatusMessage(relayStatus({ deliveries: store.repositories.deliveries, now: temp.clock.now }), temp.clock.now())
        .blocks,
    ).join('\n');
    expect(words).toContain('1 waiting (oldest unknown: the clock went back 1 h or more since)');
    expect(words).not.toMatch(/oldest 0 s/);
  });
});
