import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createOptOutSyncJob } from '../../src/jobs/optOutSyncJob.js';
import { createScheduler, type Scheduler } from '../../src/jobs/scheduler.js';
import { createLogger } from '../../src/log.js';
import { createJobRunsRepository } from '../../src/store/repositories/jobRuns.js';
import { createOptOutsRepository } from '../../src/store/repositories/optOuts.js';
import { createWavixClient } from '../../src/wavix/client.js';
import { createTempDb, type TempDb } from '../helpers/tempDb.js';
import { waitUntil } from '../helpers/waitUntil.js';

/**
 * A job whose Wavix never answers, past its time limit: the run is told to stop, and its Wavix call ends there,
 * instead of going on in the background (with a 60 s request deadline here) and overlapping the next run.
 */
let t: TempDb | undefined;
let scheduler: Scheduler | undefined;
let wavix: Server | undefined;
const sockets = new Set<Socket>();
afterEach(async () => {
  await scheduler?.stop();
  for (const socket of sockets) socket.destroy();
  await new Promise((resolve) => wavix?.close(resolve));
  t?.cleanup();
});

describe('a job run past its time limit', () => {
  it('ends its Wavix call at once (the connection closed, the run over and logged), not at the call’s own deadline', async () => {
    t = createTempDb();
    let asked = 0;
    wavix = createServer(() => {
      asked += 1; // and never answered
    });
    wavix.on('connection', (socket) => {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
    });
    await new Promise<void>((resolve) => wavix?.listen(0, '127.0.0.1', resolve));
    const { port } = wavix.address() as AddressInfo;
    const client = createWavixClient({ baseUrl: `http://127.0.0.1:${port}`, apiKey: 'wavix-test-key-7c1f', timeoutMs: 60_000 });
    const lines: string[] = [];
    const logger = createLogger({ level: 'info', sink: (line) => lines.push(line) });
    const optOuts = createOptOutSyncJob({ wavix: client, optOuts: createOptOutsRepository(t.db), logger });
    scheduler = createScheduler({
      jobs: [{ name: 'opt-outs', schedule: '0 0 * * *', description: 'opt-outs', run: optOuts.run, timeLimitMs: 500 }],
      jobRuns: createJobRunsRepository(t.db),
      logger,
    });

    expect(await scheduler.runNow('opt-outs')).toMatchObject({ outcome: 'failed' });
    await waitUntil(() => asked === 1 && sockets.size === 0, 5_000, 'the call to Wavix ended');
    await waitUntil(
      () => lines.some((l) => l.includes('job run ended after its time limit') && l.includes('"outcome":"failed"')),
      5_000,
      'the late run over',
    );
    expect(lines.join('\n')).toContain(
      "could not read Wavix's opt-out list: smsops stopped waiting for Wavix to list opted-out numbers: the job run passed its time limit",
    );
  });
});
