import { afterEach, describe, expect, it } from 'vitest';
import { StoreUnavailableError } from '../../src/core/ports/storeErrors.js';
import { err, ok } from '../../src/errors.js';
import { type HttpServer, startHttpServer } from '../../src/http/server.js';
import { webhookRoutes } from '../../src/http/webhookRoutes.js';
import { silentLogger } from '../../src/log.js';
import { WebhookRejection } from '../../src/relay/ingest.js';
import { createRejectedWebhooksRepository } from '../../src/store/repositories/rejectedWebhooks.js';
import { createTempDb, type TempDb } from '../helpers/tempDb.js';
import { waitUntil } from '../helpers/waitUntil.js';

const SECRET = 'whsec_test_0123456789abcdefghijkl';
let server: HttpServer | undefined;
let temp: TempDb | undefined;
afterEach(async () => {
  await server?.close();
  temp?.cleanup();
});

describe('webhook answers', () => {
  it('answers 503 with Retry-After when the store is unavailable, 500 when storing threw, and counts every status', async () => {
    temp = createTempDb();
    const statuses: Array<number | 'aborted'> = [];
    const storeErrors: unknown[] = [];
    let next: 'busy' | 'bug' | 'ok' | 'bad' = 'busy';
    const ingest = async () => {
      if (next === 'busy')
        throw new StoreUnavailableError(Object.assign(new Error('database is locked'), { code: 'SQLITE_BUSY' }));
      if (next === 'bug') throw new TypeError('cannot read properties of undefined');
      if (next === 'bad') return err(new WebhookRejection('malformed JSON'));
      return ok({ id: 1, duplicate: false });
    };
    server = await startHttpServer({
      host: '127.0.0.1',
      port: 0,
      logger: silentLogger,
      routes: webhookRoutes({
        secret: SECRET,
        rejected: createRejectedWebhooksRepository(temp.db),
        ingest: { inbound: ingest, dlr: ingest },
        onAnswered: (_route, status) => statuses.push(status),
        onStoreError: (_route, error) => storeErrors.push(error),
      }),
    });
    const post = (secret = SECRET) => fetch(`${server?.url}/webhooks/wavix/inbound/${secret}`, { method: 'POST', body: '{}' });

    const busy = await post();
    expect(busy.status).toBe(503);
    expect(busy.headers.get('retry-after')).toBe('5');
    expect(await busy.json()).toEqual({ error: 'not stored, try again: the database is locked by another process' });

    next = 'bug';
    const bug = await post();
    expect(bug.status).toBe(500);
    expect(await bug.json()).toEqual({ error: 'internal error: not stored, try again' });

    next = 'bad';
    expect((await post()).status).toBe(400);
    next = 'ok';
    expect((await post()).status).toBe(200);
    expect((await post('wrong-secret')).status).toBe(404);

    // Counted when the response is finished, which the client may see a moment before the server does.
    await waitUntil(
      () => statuses.length >= 5,
      1000,
      () => `5 responses counted (${statuses.join(', ')})`,
    );
    expect(statuses).toEqual([503, 500, 400, 200, 404]);
    expect(storeErrors).toHaveLength(2);
  });
});
