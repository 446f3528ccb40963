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

  it('masks a secret as a URL or a login form quotes it (percent- and form-encoded), and a short one too', () => {
    // PortSIP's OAuth login sends the password form-encoded; a PBX that cannot read the form quotes it back.
    const passwords = ['P@ss w0rd!&Zq9', 'pbx12', 'Pw:=/Kq?'];
    for (const password of passwords) registerSecret(password);
    const { lines, logger } = capture();
    try {
      for (const password of passwords) {
        const form = new URLSearchParams({ grant_type: 'password', password }).toString();
        const url = `https://pbx.example.com/?p=${encodeURIComponent(password)}`;
        logger.warn(`portsip said: cannot parse ${form}`, { error: new Error(`bad ${url}`), said: form, raw: password });
        // A server that re-encodes what it echoes may write the hex in lower case.
        logger.warn('echoed', { said: form.replace(/%[0-9A-F]{2}/g, (hex) => hex.toLowerCase()) });
      }
    } finally {
      for (const password of passwords) forgetSecret(password);
    }
    const spellings = passwords.flatMap((p) => [p, encodeURIComponent(p), new URLSearchParams({ p }).toString().slice(2)]);
    spellings.push(...spellings.map((spelling) => spelling.replace(/%[0-9A-F]{2}/g, (hex) => hex.toLowerCase())));
    expect(spellings).toContain('P%40ss+w0rd%21%26Zq9');
    expect(spellings).toContain('Pw%3a%3d%2fKq%3f');
    for (const line of lines) for (const spelling of spellings) expect(line).not.toContain(spelling);
    expect(JSON.parse(lines[0] ?? '{}')).toMatchObject({
      msg: 'portsip said: cannot parse grant_type=password&password=[REDACTED]',
      raw: '[REDACTED]',
    });
  });

  it('keeps every line valid JSON when a secret reads like a number or a literal, and the number itself', () => {
    // A PortSIP password of digits is a person's choice; masking it inside "delayMs":12345 broke the line for pipelines.
    const secrets = ['1234', 'true'];
    for (const secret of secrets) registerSecret(secret);
    const { lines, logger } = capture();
    try {
      logger.warn('retrying', { delayMs: 12345, ok: true, said: 'password 1234 is true' });
    } finally {
      for (const secret of secrets) forgetSecret(secret);
    }
    expect(JSON.parse(lines[0] ?? '')).toMatchObject({ delayMs: 12345, ok: true, said: 'password [REDACTED] is [REDACTED]' });
  });

  it('ignores a secret variable holding only whitespace (read as unset): lines are not joined or garbled', () => {
    const blanks = ['\n', ' ', '\t \r\n'];
    for (const blank of blanks) registerSecret(blank);
    const { lines, logger } = capture();
    try {
      logger.info('a new, empty database was created', { path: './data/smsops.db' });
      logger.info('second line');
    } finally {
      for (const blank of blanks) forgetSecret(blank);
    }
    expect(lines.map((line) => JSON.parse(line).msg)).toEqual(['a new, empty database was created', 'second line']);
  });

  it('masks a secret in what pino adds: a child made before the secret was known, its own children, errors under err', () => {
    const { lines, logger } = capture();
    const early = logger.child({ component: 'portsip', token: 'not-a-path-but-a-value' });
    const secret = SECRETS[0] ?? '';
    registerSecret(secret);
    early.child({ session: `Bearer ${secret}` }).warn(`renewed ${secret}`, { err: new Error(`was ${secret}`) });
    early.info('bound before', { fine: 1 });
    const bound = logger.child({ [`key-${secret}`]: 'v' });
    bound.info('key');
    for (const line of lines) {
      expect(line).not.toContain(secret);
      expect(line).not.toContain(JSON.stringify(secret).slice(1, -1));
    }
    const warned = JSON.parse(lines[0] ?? '{}');
    expect(warned).toMatchObject({ level: 'warn', component: 'portsip', msg: 'renewed [REDACTED]' });
    expect(warned.session).toBe('Bearer [REDACTED]');
    // An error is its name and message: no stack (file paths, and whatever a frame's text holds), no pino `type`.
    expect(warned.err).toEqual({ name: 'Error', message: 'was [REDACTED]' });
    expect(lines.join('\n')).not.toMatch(/"stack"|at .*\.ts:\d+/);
  });

  it('never writes SMS text or credentials found under their usual keys, in fields or child bindings', () => {
    const { lines, logger } = capture();
    logger.info('inbound', {
      text: 'Privé 7f3a9c',
      message_body: { text: 'Privé 7f3a9c', media: null },
      webhook: { text: 'Privé 7f3a9c', from: '447400123456' },
      headers: { authorization: 'Bearer abc' },
      password: 'hunter2-route',
    });
    logger.child({ sms: { text: 'Privé 7f3a9c' } }).info('bound');
    expect(lines.join('\n')).not.toMatch(/7f3a9c|abc|hunter2/);
    expect(JSON.parse(lines[0] ?? '{}')).toMatchObject({
      text: '[REDACTED]',
      webhook: { text: '[REDACTED]', from: '447400123456' },
    });
  });

  it('writes a key bound twice once, with the later value (a child of a child)', () => {
    const { lines, logger } = capture();
    logger.child({ component: 'watch', job: 'x' }).child({ component: 'replies' }).warn('status not shown');
    expect(lines[0]?.match(/"component"/g)).toHaveLength(1);
    expect(JSON.parse(lines[0] ?? '{}')).toMatchObject({ component: 'replies', job: 'x', msg: 'status not shown' });
    logger.child({ component: 'watch', job: 'x' }).info('run', { job: 'y' }); // a line's own field over a bound one
    expect(lines[1]?.match(/"job"/g)).toHaveLength(1);
    expect(JSON.parse(lines[1] ?? '{}')).toMatchObject({ component: 'watch', job: 'y' });
  });

  it('writes a message as given: no printf-style formatting of % in it', () => {
    const { lines, logger } = capture();
    logger.info('100% sure: %s %d %j %o', { n: 1 });
    expect(JSON.parse(lines[0] ?? '{}')).toMatchObject({ level: 'info', msg: '100% sure: %s %d %j %o', n: 1 });
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
