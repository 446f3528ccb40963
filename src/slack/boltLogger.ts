import { type Logger as BoltLogger, LogLevel } from '@slack/bolt';
import type { Logger } from '../log.js';

/** Bolt and its Web API client log through smsops' logger, so their lines are JSON and scrubbed of secrets too. */
export function toBoltLogger(logger: Logger): BoltLogger {
  let level: LogLevel = LogLevel.INFO;
  const join = (parts: unknown[]) =>
    parts.map((p) => (typeof p === 'string' ? p : p instanceof Error ? p.message : JSON.stringify(p))).join(' ');
  return {
    debug: (...msg) => logger.debug(join(msg), { source: 'bolt' }),
    info: (...msg) => logger.info(join(msg), { source: 'bolt' }),
    warn: (...msg) => logger.warn(join(msg), { source: 'bolt' }),
    error: (...msg) => logger.error(join(msg), { source: 'bolt' }),
    setLevel: (next) => {
      level = next;
    },
    getLevel: () => level,
    setName: () => {},
  };
}
