import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { OptOutsRepository } from '../../src/core/ports/optOuts.js';
import { createOptOutSyncJob } from '../../src/jobs/optOutSyncJob.js';
import { silentLogger } from '../../src/log.js';
import { startWavixEmulator, type WavixEmulator } from '../../src/sandbox/emulator/server.js';
import { createOptOutsRepository } from '../../src/store/repositories/optOuts.js';
import { createWavixClient } from '../../src/wavix/client.js';
import { createTempDb, type TempDb } from '../helpers/tempDb.js';

const DID = '14155550100';
const CUSTOMER = '12025550143';
let t: TempDb;
let emulator: WavixEmulator;
let optOuts: OptOutsRepository;

beforeEach(async () => {
  t = createTempDb();
  emulator = await startWavixEmulator();
  optOuts = createOptOutsRepository(t.db, t.clock.now);
});
afterEach(async () => {
  t.cleanup();
  await emulator.close();
});

const syncJob = () =>
  createOptOutSyncJob({
    wavix: createWavixClient({ baseUrl: emulator.url, apiKey: emulator.apiKey, retry: { maxRetries: 0 } }),
    optOuts,
    logger: silentLogger,
  });

describe('the opt-out sync', () => {
  it('takes a list answered without pagination (OptOutsListResponse requires none) as the whole list', async () => {
    emulator.injectFault({
      method: 'GET',
      path: '/v3/messages/opt-outs',
      body: { items: [{ phone_number: CUSTOMER, sender_id: DID, campaign_id: null, created_at: '2024-01-15T10:30:00Z' }] },
    });
    expect(await syncJob().run()).toEqual({ outcome: 'ok', summary: '1 listed by Wavix, 1 added, 0 lifted' });
    expect(optOuts.blocking(CUSTOMER, DID)?.optedOutAt).toBe(Date.parse('2024-01-15T10:30:00Z'));
    // One request: a second page would have been page 1 again.
    expect(emulator.requests().filter((r) => r.path === '/v3/messages/opt-outs')).toHaveLength(1);
  });
});
