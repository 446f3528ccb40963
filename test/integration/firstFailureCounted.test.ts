import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type RelayLogRig, startRelayLogRig } from '../helpers/relayLogRig.js';

/**
 * A counter series that first appears at 1 is missed by increase() and rate(): the first refused webhook after a
 * restart raised no alert. Each series smsops can count is at 0 from the start.
 */
describe('counters of the real process at start', () => {
  let rig: RelayLogRig;
  beforeEach(async () => {
    rig = await startRelayLogRig();
  });
  afterEach(async () => {
    await rig.close();
  });

  it('shows every webhook status, refusal code and gauge at 0, and counts a 503 as a webhook not stored', {
    timeout: 60_000,
  }, async () => {
    await rig.start();
    for (const series of [
      /^smsops_webhook_responses_total\{route="inbound",status="503"\} 0$/,
      /^smsops_webhook_responses_total\{route="dlr",status="400"\} 0$/,
      /^smsops_webhook_responses_total\{route="10dlc\/brand",status="500"\} 0$/,
      /^smsops_webhooks_total\{route="inbound",outcome="not_stored"\} 0$/,
      /^smsops_http_malformed_requests_total\{code="smsops_stalled"\} 0$/,
      /^smsops_http_malformed_requests_total\{code="HPE_INVALID_METHOD"\} 0$/,
      /^smsops_metrics_collect_errors_total\{gauge="smsops_relay_backlog"\} 0$/,
    ])
      expect(await rig.metric(series), String(series)).toBe(0);

    // Another process holds the write lock: the webhook is refused 503 (Wavix sends it again) and counted so.
    const locker = new Database(join(rig.dir, 'smsops.db'));
    try {
      locker.prepare('BEGIN IMMEDIATE').run();
      expect(await rig.post('wvx-locked-1')).toBe(503);
    } finally {
      if (locker.inTransaction) locker.prepare('ROLLBACK').run();
      locker.close();
    }
    expect(await rig.metric(/^smsops_webhook_responses_total\{route="inbound",status="503"\}/)).toBe(1);
    expect(await rig.metric(/^smsops_webhooks_total\{route="inbound",outcome="not_stored"\}/)).toBe(1);
  });
});
