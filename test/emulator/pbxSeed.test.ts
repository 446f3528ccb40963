import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWavixEmulator, type WavixEmulator } from '../../src/sandbox/emulator/server.js';
import { validateResponse } from '../helpers/openapi.js';

/** An account as a PBX has it: hundreds of voice DIDs, served page by page as Wavix's own `GET /v1/numbers`. */
let emulator: WavixEmulator;

beforeAll(async () => {
  emulator = await startWavixEmulator({ pbxDids: 300 });
});
afterAll(() => emulator.close());

async function numbersPage(query: string) {
  const response = await fetch(`${emulator.url}/v1/numbers?${query}`, {
    headers: { authorization: `Bearer ${emulator.apiKey}` },
  });
  const body = (await response.json()) as { items: Array<{ number: string; sms_enabled: boolean }>; pagination: unknown };
  expect(validateResponse('GET', '/v1/numbers', response.status, body)).toEqual([]);
  return body;
}

describe('the emulator seeded with a PBX’s DIDs', () => {
  it('adds voice-only DIDs after the default seed, each unique and shaped as the OpenAPI says, paged as Wavix pages', async () => {
    const first = await numbersPage('');
    expect(first.items).toHaveLength(25);
    expect(first.pagination).toEqual({ current_page: 1, per_page: 25, total: 307, total_pages: 13 });
    const last = await numbersPage('per_page=100&page=4');
    expect(last.items).toHaveLength(7);
    const all = emulator.state().numbers;
    expect(new Set(all.map((n) => n.number)).size).toBe(307);
    expect(all.filter((n) => n.id >= 1000).every((n) => !n.sms_enabled && n.country_short_name === 'US')).toBe(true);
  });

  it('keeps them across a reset', async () => {
    await fetch(`${emulator.url}/_emulator/reset`, { method: 'POST' });
    expect(emulator.state().numbers).toHaveLength(307);
  });
});
