import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type FakeSlack, startFakeSlack } from '../helpers/fakeSlack.js';
import { createSlackTestClient } from '../helpers/slackRequests.js';
import { freePort, productionEnv, type SmsopsProcess, startSmsopsProcess } from '../helpers/smsopsProcess.js';
import { sleep } from '../helpers/waitUntil.js';

/**
 * The chart renderer (a native library) is loaded on the first chart, not at start (src/charts/trafficChart.ts): in the
 * real process, in production mode, `/sms traffic` must still draw its chart and share it, not fall back to "the chart
 * could not be shared", which is what a renderer that fails to load would show.
 */

const SIGNING_SECRET = 'test-signing-secret-chart-0123';
const CHANNEL = 'C0OPS00001';

describe('/sms traffic in the real process', () => {
  let dir: string;
  let fakeSlack: FakeSlack;
  let smsops: SmsopsProcess | undefined;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'smsops-chart-'));
    fakeSlack = await startFakeSlack();
  });

  afterEach(async () => {
    smsops?.kill();
    if (smsops) await Promise.race([smsops.exited, sleep(5_000)]);
    await fakeSlack.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('draws the traffic chart and shares it in the channel', { timeout: 60_000 }, async () => {
    const port = await freePort();
    smsops = await startSmsopsProcess(dir, {
      ...productionEnv({ port, databasePath: join(dir, 'smsops.db'), webhookSecret: 'whsec_chart_0123456789abcdefghij' }),
      NODE_ENV: 'production',
      SLACK_SIGNING_SECRET: SIGNING_SECRET,
      SLACK_API_URL: fakeSlack.url,
    });
    const slack = createSlackTestClient({
      eventsUrl: `http://127.0.0.1:${port}/slack/events`,
      signingSecret: SIGNING_SECRET,
      responseUrl: fakeSlack.responseUrl,
    });

    // The test client's default person: a chart goes only into a channel they are in.
    fakeSlack.setChannelMembers(CHANNEL, ['U0ADMIN001']);
    expect((await slack.command('traffic 24h', { channelId: CHANNEL })).status).toBe(200);
    const [answer] = await fakeSlack.waitForResponses(1, 30_000);
    expect(JSON.stringify(answer?.body)).toContain(`The chart is posted in <#${CHANNEL}> for everyone there.`);

    const completed = fakeSlack.callsTo('files.completeUploadExternal');
    expect(completed).toHaveLength(1);
    expect(completed[0]?.args.channel_id).toBe(CHANNEL);
    const upload = fakeSlack.uploads.at(-1);
    const png = PNG.sync.read(upload?.bytes ?? Buffer.alloc(0));
    expect(png.width).toBeGreaterThan(300);
    expect(png.height).toBeGreaterThan(150);
  });
});
