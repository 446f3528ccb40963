import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { useRealProcessRig } from '../helpers/realProcessRig.js';
import { productionEnv, spawnSmsops } from '../helpers/smsopsProcess.js';
import { sleep } from '../helpers/waitUntil.js';

/**
 * SLACK_API_URL with a user and password in it (a gateway's, `https://user:password@gateway/api/`): Slack's Web API
 * client cannot send them, so no call could ever work, and it wrote the whole URL into its lines, the password with
 * it, at error level ("http request failed Request cannot be constructed from a URL that includes credentials: …").
 */
const PASSWORD = 'GatewayPw-7f3a9c';

describe('SLACK_API_URL with credentials (real process)', () => {
  const rig = useRealProcessRig('smsops-slack-url-creds-');

  it('is refused at start, naming the variable, and the password is in no line', { timeout: 60_000 }, async () => {
    const p = rig.track(
      spawnSmsops({
        cwd: rig.dir,
        env: {
          ...productionEnv({
            port: rig.port,
            databasePath: join(rig.dir, 'smsops.db'),
            webhookSecret: 'whsec_test_0123456789abcdefghijkl',
          }),
          SLACK_API_URL: `http://gw-user:${PASSWORD}@127.0.0.1:${new URL(rig.fakeSlack.url).port}/api/`,
          LOG_LEVEL: 'debug',
          LOG_FORMAT: 'json',
        },
      }),
    );
    await Promise.race([p.exited, sleep(8_000)]);
    expect(p.logs.filter((line) => line.includes(PASSWORD))).toEqual([]);
    expect(p.logs.join('\n')).toMatch(/SLACK_API_URL[^"]*user and password/);
    expect(await p.exited).toMatchObject({ code: 2 });
  });
});
