import { existsSync } from 'node:fs';
import { startSmsops } from './app.js';
import { ConfigError, configWarnings, parseConfig, readEnvironment, SECRET_VARIABLES, withEnvFileProblems } from './config.js';
import { readFlag } from './envBoolean.js';
import { envFileThere } from './envFile.js';
import { envFileModeWarning, guardEnvFileMode } from './envFileMode.js';
import { describeError, err } from './errors.js';
import { limitHeapGrowth } from './heapGrowth.js';
import { takeSystemdSocket } from './http/systemdSocket.js';
import { createLogger, type Logger, type LogLevel, registerSecret } from './log.js';
import { LOG_FORMAT_VARIABLE, type LogFormat, logFormatSetting, resolveLogFormat } from './logFormat.js';
import { generateConsoleToken } from './sandbox/consoleToken.js';
import { isSandboxMode, parseSandboxConfig } from './sandbox/mode.js';
import { checkSlackToken } from './slack/tokenCheck.js';
import { sandboxStartupSummary } from './startupSummary.js';
import { checkDatabaseMode, DatabaseModeError } from './store/databaseMode.js';
import { checkDatabaseWritable } from './store/databaseWritable.js';
import { MigrationError } from './store/migrate.js';
import { UpgradeStoppedError } from './store/preUpgradeBackup.js';
import { noteUnhandledRejection } from './unhandledRejections.js';
import { releaseYoungGeneration } from './youngGenerationAtStart.js';

type Running = { stop(): Promise<void> };

/**
 * Process entry: configuration → the app (or the sandbox: asked for, or nothing of smsops configured) → signals.
 * Exit codes: 2 for a configuration error (nothing started, including a database of the other mode) or a database
 * whose migrations this smsops refuses (changed, missing, newer) or one that failed for a reason in the data or the SQL, 1 for a failure while starting that may pass by
 * itself, a stop that failed or was cut short by a second signal, or one made because another process took the
 * instance lease, 0 after a clean stop.
 */
async function main(): Promise<void> {
  limitHeapGrowth();
  // A reader of stdout or stderr that went away (`2>&1 | head -1`, a log shipper restarted) made the next write an
  // 'error' event nobody heard: an uncaught exception, said on the dead stream, and the relay ended, exit 1, at every
  // restart. Lines to a stream nobody reads are dropped; the relay goes on (pino's own destinations already did).
  for (const stream of [process.stdout, process.stderr]) stream.on('error', () => {});
  // Last resort, not a way of handling errors: one promise a library forgot to handle (@slack/socket-mode 3.1.0 read
  // a Socket Mode frame Slack sent without an event, and the process exited) must not stop the relay, the webhooks
  // and the jobs, which do not depend on it. Said in words (no stack: it may quote a URL or a header) and counted
  // (smsops_unhandled_rejections_total); an uncaught exception still ends the process, since the state of whatever
  // threw is unknown.
  process.on('unhandledRejection', (reason) => {
    noteUnhandledRejection();
    processLogger.error('an error no part of smsops handled: smsops goes on; please report it', { error: describeError(reason) });
  });
  const envFileExists = envFileThere('.env');
  const { env, problems: fileProblems, warnings: fileWarnings, fileValues } = readEnvironment();
  // As given and as used: smsops cuts the spaces and line breaks around a secret (src/config.ts).
  for (const name of SECRET_VARIABLES) for (const value of [env[name], env[name]?.trim()]) registerSecret(value);
  // A list: each of its secrets may be quoted alone (a URL holds one).
  for (const value of env.WEBHOOK_SECRET_PREVIOUS?.split(',') ?? []) registerSecret(value.trim());
  for (const value of env.WEBHOOK_SECRET_PREVIOUS_DLR?.split(',') ?? []) registerSecret(value.trim());
  // In LOG_FORMAT's format from here (the JSON or human lines of every later line), the secrets above masked.
  processLogger = logBeforeConfig(env);
  const sandbox = isSandboxMode(env, { envFileExists });
  // Before anything else: a misspelt name is often the reason for the configuration error said next.
  for (const warning of [...fileWarnings, ...configWarnings(env, { sandbox })]) processLogger.warn(warning);
  const envFileMode = guardEnvFileMode('.env', fileValues, SECRET_VARIABLES);
  if (envFileMode) processLogger.warn(envFileModeWarning(envFileMode));
  // Listening for signals before starting: tsx (npm start) learns of the handler through IPC, and a SIGTERM that
  // arrives during start-up then stops cleanly once started, instead of killing the process half-way; during an
  // upgrade's backup it stops there instead, nothing migrated (stopAsked).
  // Listening before the start is called, not after it returns: it runs synchronously up to its first await (the
  // pre-upgrade backup's start line included), and a SIGTERM sent on that line found no handler and killed the process
  // by its default action (seen on a loaded CI run).
  const stopAsked = new AbortController();
  const progress: StartProgress = { databaseOpened: sandbox };
  let startedWith: (started: Promise<Started>) => void = () => {};
  const stopper = stopOnSignals(new Promise<Started>((resolve) => (startedWith = resolve)), stopAsked, progress);
  const starting = sandbox
    ? startSandboxMode(env, sandboxAsked(env) ? 'asked' : 'unconfigured', fileProblems)
    : startProduction(
        env,
        fileProblems,
        stopAsked.signal,
        () => {
          progress.databaseOpened = true;
        },
        stopper.stopForLostDatabase,
      );
  startedWith(starting);
  await starting;
}

type Started = { app: Running; logger: Logger } | undefined;

/** How far the start got: before the database opens, a stop leaves it as it was, whatever cuts the stop short. */
type StartProgress = { databaseOpened: boolean };

/**
 * The log before the configuration is read, or when it is refused: info and up, as LOG_FORMAT asks when it can be read
 * (else human lines at a terminal, JSON otherwise), so even a refused start's lines are lines a log shipper can parse.
 */
function logBeforeConfig(env: Record<string, string | undefined> = {}): Logger {
  const asked = logFormatSetting.safeParse(env[LOG_FORMAT_VARIABLE]);
  return createLogger({ level: 'info', format: resolveLogFormat(asked.data, process.stdout.isTTY === true) });
}

/** The log of the process, once configured, for what happens outside any part of smsops (unhandled rejections). */
let processLogger: Logger = logBeforeConfig();

/** A refused start as one log line: a configuration error's problems as a list, anything else in its words. */
function sayRefused(error: Error, hint: string | undefined): void {
  const withHint = hint === undefined ? {} : { hint };
  if (error instanceof ConfigError) {
    const count = `${error.problems.length} configuration problem${error.problems.length === 1 ? '' : 's'}`;
    processLogger.error(`smsops cannot start: ${count}; see .env.example for every variable`, {
      problems: error.problems,
      ...withHint,
    });
  } else processLogger.error(error.message, withHint);
}

const FAILED_START_GRACE_MS = 2_000;

/**
 * Parse, then start: a configuration error exits 2 with nothing started, and so does a refused migration; any other
 * failure while starting exits 1.
 */
async function startWith<C extends { logLevel: LogLevel; logFormat: LogFormat | undefined }>(
  parsed: { ok: true; value: C } | { ok: false; error: Error; hint?: string },
  what: string,
  start: (config: C, logger: Logger) => Promise<Running>,
): Promise<Started> {
  if (!parsed.ok) {
    sayRefused(parsed.error, parsed.hint);
    process.exitCode = parsed.error instanceof DatabaseModeError && parsed.error.passesByItself ? 1 : 2;
    return undefined;
  }
  // Human lines for a person at a terminal, JSON for a pipe, a file or a log shipper (LOG_FORMAT forces one).
  const format = resolveLogFormat(parsed.value.logFormat, process.stdout.isTTY === true);
  const logger = createLogger({ level: parsed.value.logLevel, format });
  processLogger = logger;
  try {
    return { app: await start(parsed.value, logger), logger };
  } catch (error) {
    if (error instanceof UpgradeStoppedError) {
      // The stop that was asked, done: not a failed start (exit 0, so nothing restarts it as one).
      logger.warn(error.message);
      setTimeout(() => process.exit(), FAILED_START_GRACE_MS).unref();
      return undefined;
    }
    logger.error(`${what} could not start`, { error: describeError(error) });
    // Exit 2 stops systemd's restarts (RestartPreventExitStatus=2): a refused migration, or one failing on the stored
    // data, fails again at every start, and only the operator can end it (another smsops version, the file put back).
    // A configuration the database refuses (WEBHOOK_SECRET dropped after a start that had it) is one too.
    process.exitCode = (error instanceof MigrationError && !error.passesByItself) || error instanceof ConfigError ? 2 : 1;
    // start() has undone what it started, so the process normally ends by itself. What cannot be cancelled (the
    // first Wavix check still waiting on an unreachable host, an HTTP agent's sockets) must not keep a process that
    // failed alive: a supervisor restarts it only once it exits. The log line above is already written (pino writes
    // synchronously), and the timer is unref'd so it never delays an exit that happens anyway.
    setTimeout(() => process.exit(), FAILED_START_GRACE_MS).unref();
    return undefined;
  } finally {
    // Start-up's allocations are over, whichever way it ended.
    releaseYoungGeneration();
  }
}

/**
 * A database smsops cannot write (read-only, or locked by another process) or of the other mode is refused before
 * anything starts (see src/store/databaseWritable.ts, src/store/databaseMode.ts).
 */
function withDatabaseCheck<C extends { databasePath: string }>(
  parsed: { ok: true; value: C } | { ok: false; error: Error; hint?: string },
  mode: 'production' | 'sandbox',
): { ok: true; value: C } | { ok: false; error: Error; hint?: string } {
  if (!parsed.ok) return parsed;
  // Writable first: on a read-only mount the mode cannot be read either, and that is not what is wrong.
  const writable = checkDatabaseWritable(parsed.value.databasePath);
  if (!writable.ok) return err(writable.error);
  const allowed = checkDatabaseMode(parsed.value.databasePath, mode);
  return allowed.ok ? parsed : err(allowed.error);
}

const SANDBOX_HINT =
  'The sandbox did not start because smsops is configured here (a .env file or one of its variables is set); SMSOPS_SANDBOX=1 runs it on purpose.';

/** DATABASE_PATH as the configuration reads it, from an environment the configuration refused. */
const databasePathIn = (env: Record<string, string | undefined>) => env.DATABASE_PATH?.trim() || './data/smsops.db';

function startProduction(
  env: Record<string, string | undefined>,
  fileProblems: readonly string[],
  stopAsked: AbortSignal,
  onOpeningDatabase: () => void,
  onDatabaseLost: (reason: string) => void,
): Promise<Started> {
  // From the real environment (systemd's), never from .env; removed from it either way.
  const activation = takeSystemdSocket();
  if (!activation.ok) {
    // Every start would fail the same way: exit 2 stops systemd's restarts (RestartPreventExitStatus=2).
    sayRefused(activation.error, undefined);
    process.exitCode = 2;
    return Promise.resolve(undefined);
  }
  if (activation.value.warning) processLogger.warn(activation.value.warning);
  const listenSocket = activation.value.socket;
  const parsed = withEnvFileProblems(parseConfig(env), fileProblems);
  // Only where smsops has not run yet: an install restarted with a value mistyped (a key being rotated) was told the
  // sandbox did not start and that SMSOPS_SANDBOX=1 runs it, a lead away from the one variable named above it.
  const hinted = parsed.ok || existsSync(databasePathIn(env)) ? parsed : { ...parsed, hint: SANDBOX_HINT };
  return startWith(withDatabaseCheck(hinted, 'production'), 'smsops', async (config, logger) => {
    const app = await startSmsops(config, {
      logger,
      stopAsked,
      onOpeningDatabase,
      onDatabaseLost,
      ...(listenSocket ? { listenSocket } : {}),
      environment: env,
      checkSlackToken: (onRefused, onClock) => checkSlackToken(config.slack, logger, onRefused, Date.now, onClock),
    });
    for (const line of app.summary) logger[line.level](line.msg);
    return app;
  });
}

const sandboxAsked = (env: Record<string, string | undefined>) => readFlag(env.SMSOPS_SANDBOX) === true;

/** The sandbox's few variables; a .env it cannot read whole is refused in sandbox mode too. */
const sandboxConfig = (env: Record<string, string | undefined>, fileProblems: readonly string[]) =>
  withEnvFileProblems(parseSandboxConfig(env), fileProblems);

const startSandboxMode = (
  env: Record<string, string | undefined>,
  reason: 'asked' | 'unconfigured',
  fileProblems: readonly string[],
): Promise<Started> =>
  startWith(withDatabaseCheck(sandboxConfig(env, fileProblems), 'sandbox'), 'the sandbox', async (config, logger) => {
    const consoleToken = config.requireToken ? generateConsoleToken() : undefined;
    // Loaded only in sandbox mode: the emulator, fake Slack and console are memory a production process never uses.
    const { startSandbox } = await import('./sandbox/startSandbox.js');
    const sandbox = await startSandbox({ ...config, logger, ...(consoleToken ? { consoleToken } : {}) });
    const port = new URL(sandbox.url).port;
    const wildcard = ['0.0.0.0', '::', ''].includes(config.host);
    const shownHost = config.requireToken && !wildcard ? config.host : 'localhost';
    const openUrl = `http://${shownHost}:${port}/sandbox`;
    logger.info(`sandbox mode: nothing reaches Slack, Wavix or PortSIP; open ${openUrl}`, {
      console: sandbox.consoleUrl,
      listening: `${config.host}:${port}`,
      database: config.databasePath,
      consoleToken: consoleToken ? 'required (printed once on stderr)' : 'not needed on loopback',
      why: 'SMSOPS_SANDBOX=1, or no .env and no smsops variable set; fill in .env to run for real',
    });
    const [open, ...rest] = sandboxStartupSummary({
      consoleUrl: consoleToken ? `${openUrl}?token=${consoleToken}` : openUrl,
      databasePath: config.databasePath,
      reason,
      portsipSink: { url: sandbox.sink.url, port: sandbox.sinkPort },
    });
    // Plain on stderr, never in the log (which may be shipped elsewhere): it holds the token, and whoever has it controls the console.
    if (open && consoleToken) process.stderr.write(`smsops: ${open.msg}\n`);
    else if (open) logger.info(open.msg);
    for (const line of rest) logger[line.level](line.msg);
    return sandbox;
  });

/**
 * The first SIGTERM or SIGINT stops smsops and the process exits once the stop is done: what a stop cannot end (a
 * socket a library keeps open, a timer) must not keep it running, since a supervisor restarts it only once it exits.
 * A second one (half a second or more after the first) exits at once, with code 1: Ctrl-C twice, or `kill` again, must
 * end a stop that hangs. Before the database opened (an upgrade's backup being stopped) it exits 0 instead: nothing was
 * relayed or migrated, as after the first one's stop.
 */
/** A repeat of the first signal within this is the same signal, passed on by npm. */
const SAME_SIGNAL_MS = 500;

function stopOnSignals(
  starting: Promise<Started>,
  startAbort: AbortController,
  progress: StartProgress,
): { stopForLostDatabase: (reason: string) => void } {
  let stopAsked = false;
  let startedLogger: Logger | undefined;
  const stop = async (signal: string, lostReason?: string) => {
    const started = await starting;
    if (!started) return;
    const { app, logger } = started;
    if (lostReason)
      logger.error(
        'stopping: this process can no longer relay without the instance lease; exiting 1 for the supervisor to start smsops again (a start is refused while another process holds the lease, exit 1 again, and takes the database once none does; deploy/smsops.service tries 10 starts in 5 minutes, then waits to be started by hand)',
        { reason: lostReason },
      );
    else logger.info('stopping', { signal });
    try {
      await app.stop();
      logger.info('stopped');
    } catch (error) {
      logger.error('unclean stop', { error: describeError(error) });
      process.exitCode = 1;
    }
    // The log lines above are written already (pino writes synchronously); exits with process.exitCode.
    process.exit();
  };
  let first: { signal: string; at: number } | undefined;
  const onSignal = (signal: string) => {
    if (!stopAsked) {
      stopAsked = true;
      first = { signal, at: performance.now() };
      // An upgrade whose backup is still being taken stops there, unmigrated; any other start finishes, then stops.
      startAbort.abort(new Error(`${signal} while starting`));
      void stop(signal);
      return;
    }
    // npm passes a signal on to the node it runs (`npm start` execs node): a signal sent to the whole group (Ctrl-C,
    // systemd's control-group kill, `kill -TERM -<pgid>`) reaches smsops twice within milliseconds, which cut the stop
    // short and sent SMS in flight to PortSIP again after the restart (a probe). Only a repeat after that is a second.
    if (first && signal === first.signal && performance.now() - first.at < SAME_SIGNAL_MS) return;
    if (!progress.databaseOpened) {
      // Still before the store opened (an upgrade's backup being stopped): nothing was relayed and nothing migrated,
      // so the exit is the first signal's (0, a stop as asked, not a failure to restart). Saying deliveries would be
      // sent again, exit 1, was wrong here (a probe).
      (startedLogger ?? processLogger).warn(
        `second ${signal} while stopping the start: exiting now, before smsops upgraded or opened the database: nothing was migrated or relayed, the database is as it was (an upgrade's backup copy cut short is removed by the next upgrade's)`,
      );
      process.exit(0);
    }
    const line = `second ${signal} while stopping: exiting now without finishing the stop; deliveries still in flight are sent again after the restart`;
    (startedLogger ?? processLogger).warn(line);
    process.exit(1);
  };
  const onTerm = () => onSignal('SIGTERM');
  const onInt = () => onSignal('SIGINT');
  process.on('SIGTERM', onTerm);
  process.on('SIGINT', onInt);
  const stopForLostDatabase = (reason: string) => {
    if (stopAsked) return;
    stopAsked = true;
    // Not a stop anyone asked for: exit 1, so that systemd's Restart=on-failure starts smsops again too.
    process.exitCode = 1;
    void stop('instance lease lost', reason);
  };
  void starting.then((started) => {
    startedLogger = started?.logger;
    // A start stopped as asked (an upgrade's backup cut short) keeps them: a second signal handled after it ended
    // was killing the process by its default action (a loaded CI run), not said nor exiting 0.
    if (started || stopAsked) return;
    // Nothing started (a configuration error): a signal keeps its default meaning again.
    process.off('SIGTERM', onTerm);
    process.off('SIGINT', onInt);
  });
  return { stopForLostDatabase };
}

// Run on import: main.ts imports this module once the young generation's hold is set.
await main();
