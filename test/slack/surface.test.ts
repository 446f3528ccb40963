import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config.js';
import { silentLogger } from '../../src/log.js';
import { createSlackSurface } from '../../src/slack/app.js';

const baseEnv = {
  SLACK_BOT_TOKEN: 'xoxb-1-2-3',
  SLACK_ALERT_CHANNEL: 'C0ALERTS01',
  WAVIX_API_KEY: 'wavix-key-123456',
};

function surfaceFor(env: Record<string, string>) {
  const config = parseConfig({ ...baseEnv, ...env });
  if (!config.ok) throw config.error;
  // The listeners are registered but never called here: services are not needed.
  const deps = {
    services: {} as never,
    relay: {} as never,
    watch: {} as never,
    alertLifecycle: {} as never,
    alertChannel: 'C0ALERTS01',
    inboxChannel: null,
    publicBaseUrl: null,
    portsip: null,
    doctorIgnores: {} as never,
    customers: {} as never,
    doctorSlack: {} as never,
    homeSlack: {} as never,
    formSlack: {} as never,
    doctorRuns: {} as never,
    charts: {} as never,
    inFlight: {} as never,
    logger: silentLogger,
  };
  return createSlackSurface({ slack: config.value.slack, deps, logger: silentLogger });
}

describe('Slack surface modes', () => {
  it('serves POST /slack/events on smsops’ listener in HTTP mode', () => {
    const surface = surfaceFor({ SLACK_SIGNING_SECRET: 'signing-secret-1234' });
    expect(surface.mode).toBe('http');
    // Also with the slash doubled or trailing: the manifest's URL as made from a PUBLIC_BASE_URL ending in /.
    expect(surface.routes.map((r) => `${r.method} ${r.path}`)).toEqual([
      'POST /slack/events',
      'POST //slack/events',
      'POST /slack/events/',
    ]);
  });

  it('uses Socket Mode, with no HTTP route for Slack, when SLACK_APP_TOKEN is set', () => {
    const surface = surfaceFor({ SLACK_APP_TOKEN: 'xapp-1-A1-123-abc' });
    expect(surface.mode).toBe('socket');
    expect(surface.routes).toEqual([]);
  });
});
