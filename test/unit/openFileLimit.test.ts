import { describe, expect, it } from 'vitest';
import { descriptorsRanOut, MIN_OPEN_FILES, openFileLimitProblem } from '../../src/openFileLimit.js';

const systemError = (code: string) => Object.assign(new Error(`${code}: too many open files, open '/app/dist/x.js'`), { code });

describe('the open-file limit at start', () => {
  it('refuses a limit below the minimum, and lets one at it (or unknown, off Linux) start', () => {
    expect(MIN_OPEN_FILES).toBe(256);
    expect(openFileLimitProblem(255)).toMatch(/^smsops cannot start: the open-file limit is 255, below the 256/);
    expect(openFileLimitProblem(256)).toBeUndefined();
    expect(openFileLimitProblem(undefined)).toBeUndefined();
  });

  it('says a loader that ran out of descriptors in words, with the limit read before; any other error is not its to say', () => {
    const emfile = descriptorsRanOut(systemError('EMFILE'), 300);
    expect(emfile).toContain('the open-file limit is 300, at least 256 is needed');
    expect(emfile).toContain('LimitNOFILE=');
    expect(emfile).not.toContain('/app/dist');
    expect(descriptorsRanOut(systemError('ENFILE'), 300)).toContain('fs.file-max');
    expect(descriptorsRanOut(systemError('ENOENT'), 300)).toBeUndefined();
    expect(descriptorsRanOut(new TypeError('x'), 300)).toBeUndefined();
    expect(descriptorsRanOut(undefined, 300)).toBeUndefined();
  });
});
