import { describe, expect, it } from 'vitest';
import { memoryLimitBytes, memoryWords, readUsedMemory, watchMemory } from '../../src/memoryLimit.js';

const MB = 1024 * 1024;

describe('memory limit', () => {
  it('takes the cgroup limit only when it is below the machine memory', () => {
    expect(memoryLimitBytes(200 * MB, 24_000 * MB)).toBe(200 * MB);
    // Node's answer when no cgroup limit is set: 2^64, or 0 where it cannot tell.
    expect(memoryLimitBytes(2 ** 64, 24_000 * MB)).toBeNull();
    expect(memoryLimitBytes(0, 24_000 * MB)).toBeNull();
  });

  it('counts anonymous and shared pages, not the mapped binary', () => {
    const status = 'VmRSS:\t  257000 kB\nRssAnon:\t  200000 kB\nRssFile:\t   56296 kB\nRssShmem:\t    1000 kB\n';
    expect(readUsedMemory(() => status)).toBe(201_000 * 1024);
  });

  it('says near the limit in /healthz and once in the log, with how much and what to do', () => {
    expect(memoryWords({ usedBytes: 150 * MB, limitBytes: 200 * MB })).toBe('ok');
    expect(memoryWords({ usedBytes: 900 * MB, limitBytes: null })).toBe('ok');
    expect(memoryWords({ usedBytes: 178 * MB, limitBytes: 200 * MB })).toMatch(
      /^near the memory limit: 178 of 200 MB \(89 %\); at the limit the kernel kills smsops without a word.*give its container or service more memory$/,
    );

    const lines: Array<{ level: string; msg: string; fields: unknown }> = [];
    const log = (level: string) => (msg: string, fields?: unknown) => lines.push({ level, msg, fields });
    const logger = { debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') };
    let used = 150 * MB;
    const watch = watchMemory({ logger: logger as never, limitBytes: 200 * MB, used: () => used, everyMs: 5 });
    return new Promise<void>((resolve) => {
      const steps = [175, 180, 178, 150, 190].map((n) => n * MB);
      const timer = setInterval(() => {
        const next = steps.shift();
        if (next !== undefined) {
          used = next;
          return;
        }
        clearInterval(timer);
        watch.stop();
        expect(lines.map((l) => [l.level, l.msg.slice(0, 30)])).toEqual([
          ['warn', 'near the memory limit: 175 of '],
          ['info', 'back under the memory limit'],
          ['warn', 'near the memory limit: 190 of '],
        ]);
        resolve();
      }, 40);
    });
  });
});
