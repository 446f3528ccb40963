import { join } from 'node:path';
import type { RealProcessRig } from './realProcessRig.js';
import { createSlackTestClient } from './slackRequests.js';
import { productionEnv, type SmsopsProcess, startSmsopsProcess } from './smsopsProcess.js';

export const ADMIN_PROCESS = {
  webhookSecret: 'whsec_test_0123456789abcdefghijkl',
  signingSecret: 'test-signing-secret-0123456789',
  admin: 'U0ADMIN001',
} as const;

/**
 * The real process on the rig, in production mode with one smsops admin, against a Wavix (the emulator, or a proxy in
 * front of it), and the signed Slack client that talks to it: the setting of the tests that stop or kill smsops in the
 * middle of a change.
 */
export function adminProcess(rig: RealProcessRig, wavix: () => { apiKey: string; url: string }) {
  const databasePath = () => join(rig.dir, 'smsops.db');
  /** `env` adds to or overrides the production environment (PUBLIC_BASE_URL, …). */
  const start = async (env: Record<string, string> = {}): Promise<SmsopsProcess> =>
    rig.track(
      await startSmsopsProcess(rig.dir, {
        ...productionEnv({ port: rig.port, databasePath: databasePath(), webhookSecret: ADMIN_PROCESS.webhookSecret }),
        SLACK_API_URL: rig.fakeSlack.url,
        SLACK_SIGNING_SECRET: ADMIN_PROCESS.signingSecret,
        SLACK_ADMIN_USERS: ADMIN_PROCESS.admin,
        WAVIX_API_KEY: wavix().apiKey,
        WAVIX_API_URL: wavix().url,
        LOG_FORMAT: 'json',
        ...env,
      }),
    );
  const slack = () =>
    createSlackTestClient({
      eventsUrl: `${rig.base}/slack/events`,
      signingSecret: ADMIN_PROCESS.signingSecret,
      responseUrl: rig.fakeSlack.responseUrl,
    });
  return { databasePath, start, slack };
}
