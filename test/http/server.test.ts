import { afterEach, describe, expect, it } from 'vitest';
import { healthRoute } from '../../src/http/health.js';
import { type HttpServer, sendJson, startHttpServer } from '../../src/http/server.js';
import { createLogger } from '../../src/log.js';
import { storeOn } from '../../src/store/openStore.js';
import { createTempDb, type TempDb } from '../helpers/tempDb.js';

const healthOn = (temp: TempDb) => {
  const store = storeOn(temp.db, Date.now);
  return healthRoute({ ...store.repositories, migrationCount: store.migrationCount, now: Date.now });
};

let server: HttpServer | undefined;
let temp: TempDb | undefined;
afterEach(async () => {
  await server?.close();
  temp?.cleanup();
});

describe('HTTP listener', () => {
  it('routes by path and method, with parameters, and answers unknown paths and methods clearly', async () => {
    const lines: string[] = [];
    temp = createTempDb();
    server = await startHttpServer({
      host: '127.0.0.1',
      port: 0,
      logger: createLogger({ sink: (line) => lines.push(line) }),
      routes: [
        healthOn(temp),
        { method: 'POST', path: '/echo/:name', handler: (_req, res, params) => sendJson(res, 200, params) },
        {
          method: 'GET',
          path: '/broken',
          handler: async () => {
            throw new Error('boom');
          },
        },
      ],
    });
    const health = await fetch(`${server.url}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ status: 'ok', db: 'ok' });

    expect(await (await fetch(`${server.url}/echo/Wavix%20-%20US`, { method: 'POST' })).json()).toEqual({ name: 'Wavix - US' });
    expect((await fetch(`${server.url}/echo/x`)).status).toBe(405);
    expect((await fetch(`${server.url}/nowhere`)).status).toBe(404);
    expect((await fetch(`${server.url}/echo/%E0%A4%A`, { method: 'POST' })).status).toBe(400);

    const broken = await fetch(`${server.url}/broken`);
    expect(broken.status).toBe(500);
    expect(await broken.json()).toEqual({ error: 'internal error' });
    expect(lines.some((l) => l.includes('http handler failed') && l.includes('boom'))).toBe(true);
  });
});
