import { describe, expect, it } from 'vitest';
import { useRealProcessRig } from '../helpers/realProcessRig.js';
import { createSlackTestClient } from '../helpers/slackRequests.js';
import { productionEnv, startSmsopsProcess } from '../helpers/smsopsProcess.js';

/**
 * A secret mounted from a file (a Kubernetes secret, `$(cat file)`) ends in a newline. smsops started with it and
 * /healthz said ok, while Slack's every request was refused 401 "signature mismatch".
 */
describe('a signing secret with a trailing newline (real process)', () => {
  const rig = useRealProcessRig('smsops-secretws-');

  it('verifies Slack requests with the secret as Slack signs them, the newline cut', { timeout: 60_000 }, async () => {
    const secret = 'test-signing-secret-0123456789';
    rig.track(
      await startSmsopsProcess(rig.dir, {
        ...productionEnv({
          port: rig.port,
          databasePath: `${rig.dir}/smsops.db`,
          webhookSecret: 'whsec_test_0123456789abcdefghijkl',
        }),
        SLACK_API_URL: rig.fakeSlack.url,
        SLACK_SIGNING_SECRET: `${secret}\n`,
      }),
    );
    const slack = createSlackTestClient({
      eventsUrl: `${rig.base}/slack/events`,
      signingSecret: secret,
      responseUrl: rig.fakeSlack.responseUrl,
    });
    expect((await slack.command('help')).status).toBe(200);
  });
});
