import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    reporters: ['default', './test/reporters/plainSummary.ts'],
    // Integration tests start real HTTP servers and SQLite files; keep them isolated per file.
    pool: 'forks',
    // Most files wait on real processes, sockets and timers rather than the CPU: four at a time on the 2-core CI
    // machine halved the suite's wall time (455 s → 226 s, same run conditions) with every test passing. Six since
    // 2026-11-28: the suite had grown to 515 s at four, the whole CI run 9 min 46 s of its 10.
    maxWorkers: 6,
    testTimeout: 20_000,
    hookTimeout: 20_000,
  },
});
