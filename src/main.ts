import { startSmsops } from './app.js';
import { parseConfig, readEnvironment, SECRET_VARIABLES } from './config.js';
import { describeError } from './errors.js';
import { createLogger, type Logger, type LogLevel, registerSecret } from './log.js';
import { isSandboxMode, parseSandboxConfig } from './sandbox/mode.js';
import { startSandbox } from './sandbox/startSandbox.js';

type Running = { stop(): Promise<void> };

/**
 * Process entry: configuration → the app (or, with no Slack and no Wavix credentials, the sandbox) → signals.
 * Exit codes: 2 for a configuration error (nothing started), 1 for a failure while starting, 0 after a clean stop.
 */
async function main(): Promise<void> {
  const env = readEnvironment();
  for (const name of SECRET_VARIABLES) registerSecret(env[name]);
  const started = isSandboxMode(env) ? await startSandboxMode(env) : await startProduction(env);
  if (started) stopOnSignals(started.app, started.logger);
}

type Started = { app: Running; logger: Logger } | undefined;

/** Parse, then start: a configuration error exits 2 with nothing started, a failure while starting exits 1. */
async function startWith<C extends { logLevel: LogLevel }>(
  parsed: { ok: true; value: C } | { ok: false; error: Error },
  what: string,
  start: (config: C, logger: Logger) => Promise<Running>,
): Promise<Started> {
  if (!parsed.ok) {
    process.stderr.write(`${parsed.error.message}\n`);
    process.exitCode = 2;
    return undefined;
  }
  const logger = createLogger({ level: parsed.value.logLevel });
  try {
    return { app: await start(parsed.value, logger), logger };
  } catch (error) {
    logger.error(`${what} could not start`, { error: describeError(error) });
    process.exitCode = 1;
    return undefined;
  }
}

const startProduction = (env: Record<string, string | undefined>): Promise<Started> =>
  startWith(parseConfig(env), 'smsops', (config, logger) => startSmsops(config, { logger }));

const startSandboxMode = (env: Record<string, string | undefined>): Promise<Started> =>
  startWith(parseSandboxConfig(env), 'the sandbox', async (config, logger) => {
    const sandbox = await startSandbox({ ...config, logger });
    const port = new URL(sandbox.url).port;
    logger.info(`sandbox mode: nothing reaches Slack, Wavix or PortSIP; open http://localhost:${port}/sandbox`, {
      console: sandbox.consoleUrl,
      database: config.databasePath,
      why: 'neither SLACK_BOT_TOKEN nor WAVIX_API_KEY is set (or SMSOPS_SANDBOX=1); fill in .env to run for real',
    });
    return sandbox;
  });

function stopOnSignals(app: Running, logger: Logger): void {
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
