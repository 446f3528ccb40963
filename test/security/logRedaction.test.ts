import { afterEach, describe, expect, it } from 'vitest';
import { createLogger, forgetSecret, registerSecret } from '../../src/log.js';
import { toBoltLogger } from '../../src/slack/boltLogger.js';

const SECRETS = ['pa"ss\\word-0123', 'line1\nline2-secret', 'ünïcödé-€-秘密-🔑', 'tab\there\u0001ctl'];

afterEach(() => {
  for (const secret of SECRETS) forgetSecret(secret);
});

function capture() {
  const lines: string[] = [];
  return { lines, logger: createLogger({ level: 'debug', sink: (line) => lines.push(line) }) };
}

describe('log redaction', () => {
  it('redacts secrets holding quotes, backslashes, newlines, control characters and unicode, wherever they are', () => {
    for (const secret of SECRETS) registerSecret(secret);
    const { lines, logger } = capture();
    for (const secret of SECRETS) {
      logger.warn(`failed with ${secret}`, {
        plain: secret,
        nested: { deeper: [`x ${secret} y`], [secret]: 1 },
        error: new Error(`bad token ${secret}`),
        url: new URL(`https://example.com/?k=${encodeURIComponent(secret)}`),
      });
      logger.child({ base: secret }).info('child');
      // Bolt's adapter hands over objects already serialised as JSON text.
      toBoltLogger(logger).debug('request', { headers: { authorization: secret } });
    }
    expect(lines.length).toBe(SECRETS.length * 3);
    for (const line of lines) {
      const parsed = JSON.parse(line); // still one valid JSON object per line
      expect(parsed).toBeTypeOf('object');
      for (const secret of SECRETS) {
        expect(line).not.toContain(secret);
        expect(line).not.toContain(JSON.stringify(secret).slice(1, -1));
        expect(JSON.stringify(parsed)).not.toContain(JSON.stringify(secret).slice(1, -1));
      }
    }
    expect(lines[0]).toContain('[REDACTED]');
    expect(JSON.parse(lines[0] ?? '{}').plain).toBe('[REDACTED]');
  });

  it('leaves lines without secrets as they were', () => {
    const { lines, logger } = capture();
    logger.info('hello "world" \\ ok', { n: 1, list: ['a'], when: new Date(0) });
    expect(JSON.parse(lines[0] ?? '{}')).toMatchObject({
      msg: 'hello "world" \\ ok',
      n: 1,
      list: ['a'],
      when: '1970-01-01T00:00:00.000Z',
    });
  });
});
