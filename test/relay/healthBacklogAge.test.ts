import { afterEach, describe, expect, it } from 'vitest';
import { healthRoute } from '../../src/http/health.js';
import { type HttpServer, startHttpServer } from '../../src/http/server.js';
import { silentLogger } from '../../src/log.js';
import { createPollerCache } from '../../src/relay/pollerCache.js';
import { storeOn } from '../../src/store/openStore.js';
import { newInboundMessage } from '../helpers/inboundMessage.js';
import { createTempDb, type TempDb } from '../helpers/tempDb.js';

let server: HttpServer | undefined;
let temp: TempDb | undefined;
afterEach(async () => {
  await server?.close();
  temp?.cleanup();
});

const message = (id: string) => newInboundMessage({ wavixMessageId: id });

describe('/healthz with a costly backlog count', () => {
  it('gives the count it reused with how old it is, and a fresh count once that is ten times the cost old', async () => {
    temp = createTempDb();
    const store = storeOn(temp.db, temp.clock.now);
    const { inbound, deliveries } = store.repositories;
    const portsip = [{ kind: 'portsip' as const, destination: 'https://pbx.example.com/sms' }];
    inbound.insertWithDeliveries(message('a1'), portsip);
    // No Slack leg here: the messages leave the Slack queue without a Slack delivery, as with no channel configured.
    const noSlack = () => store.repositories.slackQueue.take(10, () => null);
    noSlack();

    // Counting "takes" 300 ms of CPU on this clock, as a count of a very large backlog does.
    const clock = { at: 0, cpu: 0 };
    const polledBacklog = createPollerCache(
      () => {
        clock.at += 300;
        clock.cpu += 300;
        return deliveries.backlog();
      },
      { now: () => clock.at, cpuMs: () => clock.cpu },
    );
    server = await startHttpServer({
      host: '127.0.0.1',
      port: 0,
      logger: silentLogger,
      routes: [healthRoute({ ...store.repositories, migrationCount: store.migrationCount, now: temp.clock.now, polledBacklog })],
    });
    const health = async () => (await fetch(`${server?.url}/healthz`)).json();

    expect(await health()).toMatchObject({ status: 'ok', backlog: 1, backlogAgeSeconds: 0 });
    inbound.insertWithDeliveries(message('a2'), portsip);
    noSlack();
    clock.at += 1500;
    expect(await health()).toMatchObject({ status: 'ok', backlog: 1, backlogAgeSeconds: 1.5 });
    clock.at += 1500;
    expect(await health()).toMatchObject({ status: 'ok', backlog: 2, backlogAgeSeconds: 0 });
  });
});
