import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { useRealProcessRig } from '../helpers/realProcessRig.js';
import { productionEnv, startSmsopsProcess } from '../helpers/smsopsProcess.js';

/** DATABASE_SYNCHRONOUS=full from the environment to the database connection of the real process (`tsx src/main.ts`). */

describe('DATABASE_SYNCHRONOUS (real process)', () => {
  const rig = useRealProcessRig('smsops-sync-');

  it('runs the database with PRAGMA synchronous=FULL when set to full, as its start says', { timeout: 60_000 }, async () => {
    const smsops = rig.track(
      await startSmsopsProcess(rig.dir, {
        ...productionEnv({
          port: rig.port,
          databasePath: join(rig.dir, 'smsops.db'),
          webhookSecret: 'whsec_sync_0123456789abcdefghijklmn',
        }),
        DATABASE_SYNCHRONOUS: 'full',
      }),
    );
    // Read back from the connection, not echoed from the variable (src/store/openStore.ts).
    const ready = await smsops.waitForLine(/"msg":"database ready"/, 5_000);
    expect(ready).toContain('"synchronous":"full"');
  });
});
