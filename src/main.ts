import { startSmsops } from './app.js';
import { parseConfig, readEnvironment, SECRET_VARIABLES } from './config.js';
import { describeError } from './errors.js';
import { createLogger, registerSecret } from './log.js';

/**
 * Process entry: configuration → the app → signals. Exit codes: 2 for a configuration error (nothing started),
 * 1 for a failure while starting, 0 after a clean stop.
 */
async function main(): Promise<void> {
  const env = readEnvironment();
  for (const name of SECRET_VARIABLES) registerSecret(env[name]);

  const config = parseConfig(env);
  if (!config.ok) {
    process.stderr.write(`${config.error.message}\n`);
    process.exitCode = 2;
    return;
  }

  const logger = createLogger({ level: config.value.logLevel });
  let app: Awaited<ReturnType<typeof startSmsops>>;
  try {
    app = await startSmsops(config.value, { logger });
  } catch (error) {
    logger.error('smsops could not start', { error: describeError(error) });
    process.exitCode = 1;
    return;
  }

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info('stopping', { signal });
    app.stop().then(
      () => logger.info('stopped'),
      (error: unknown) => {
        logger.error('unclean stop', { error: describeError(error) });
        process.exitCode = 1;
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

await main();
