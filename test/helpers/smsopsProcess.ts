import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { pathToFileURL } from 'node:url';
import { waitUntil } from './waitUntil.js';

/**
 * smsops as `npm start` runs it, in its own process group, optionally under a descriptor limit
 * (`ulimit -n` in a bash that then execs tsx). The environment holds only PATH and HOME plus what the test passes.
 */
export interface SmsopsProcess {
  child: ChildProcess;
  pid: number;
  /** stdout and stderr lines in arrival order (stderr prefixed `[stderr] `). */
  logs: string[];
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  hasExited(): boolean;
  /** Resolves with the first log line matching, rejects on timeout or exit. */
  waitForLine(pattern: RegExp, timeoutMs?: number): Promise<string>;
  /** SIGKILL to the whole group (cleanup). */
  kill(): void;
}

const root = join(import.meta.dirname, '..', '..');

export { freePort } from './freePort.js';

/** `node` arguments that run `src/main.ts` as `npm start` does, from any working directory. */
export function smsopsNodeArgs(): string[] {
  return ['--import', pathToFileURL(join(root, 'node_modules/tsx/dist/loader.mjs')).href, join(root, 'src/main.ts')];
}

export function spawnSmsops(options: {
  cwd: string;
  env: Record<string, string>;
  openFileLimit?: number;
  /** What node runs instead of `src/main.ts` through tsx (the compiled `dist/main.js`, `src/restore.ts`, ...). */
  nodeArgs?: string[];
  /** A command node is run through, given node's path and arguments last (a shell opening a descriptor, a socket holder). */
  launcher?: string[];
}): SmsopsProcess {
  // `node --import tsx src/main.ts`, as `npm start` runs it: the tsx CLI would sit in between, and it SIGKILLs its
  // child when the child's acknowledgement of a SIGTERM takes over 30 ms (a loaded machine), so a graceful stop
  // could not be tested through it.
  const nodeArgs = options.nodeArgs ?? smsopsNodeArgs();
  const [command, args] = options.launcher
    ? [options.launcher[0] ?? '', [...options.launcher.slice(1), process.execPath, ...nodeArgs]]
    : options.openFileLimit === undefined
      ? [process.execPath, nodeArgs]
      : ['bash', ['-c', `ulimit -n ${options.openFileLimit} && exec "$0" "$@"`, process.execPath, ...nodeArgs]];
  const child = spawn(command, args, {
    cwd: options.cwd,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? options.cwd, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  const logs: string[] = [];
  let exitedFlag = false;
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => {
      exitedFlag = true;
      resolve({ code, signal });
    });
  });
  if (child.stdout) createInterface({ input: child.stdout }).on('line', (line) => logs.push(line));
  if (child.stderr) createInterface({ input: child.stderr }).on('line', (line) => logs.push(`[stderr] ${line}`));

  const waitForLine = (pattern: RegExp, timeoutMs = 25_000) =>
    waitUntil(
      () => {
        const line = logs.find((l) => pattern.test(l));
        if (!line && exitedFlag) throw new Error(`smsops exited before ${pattern}; logs:\n${logs.slice(-30).join('\n')}`);
        return line;
      },
      timeoutMs,
      () => `${pattern}; logs:\n${logs.slice(-30).join('\n')}`,
    );

  return {
    child,
    pid: child.pid ?? 0,
    logs,
    exited,
    hasExited: () => exitedFlag,
    waitForLine,
    kill: () => {
      if (child.pid === undefined) return;
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        // Already gone.
      }
    },
  };
}

/** spawnSmsops, resolved once it logs "smsops listening"; killed, and rejected, if it exits first or takes too long. */
export async function startSmsopsProcess(cwd: string, env: Record<string, string>): Promise<SmsopsProcess> {
  const p = spawnSmsops({ cwd, env });
  try {
    await p.waitForLine(/smsops listening/, 20_000);
  } catch (error) {
    p.kill();
    throw error;
  }
  return p;
}

/** The environment of a production smsops whose Slack and Wavix are unreachable loopback ports (never contacted). */
export function productionEnv(options: { port: number; databasePath: string; webhookSecret: string }): Record<string, string> {
  return {
    SLACK_BOT_TOKEN: 'xoxb-test-0000',
    SLACK_SIGNING_SECRET: 'test-signing-secret-0123456789',
    SLACK_ALERT_CHANNEL: 'C0TEST0001',
    SLACK_API_URL: 'http://127.0.0.1:9/api/',
    WAVIX_API_KEY: 'test-wavix-key-0000',
    WAVIX_API_URL: 'http://127.0.0.1:9',
    WEBHOOK_SECRET: options.webhookSecret,
    DATABASE_PATH: options.databasePath,
    PORT: String(options.port),
    HOST: '127.0.0.1',
    LOG_LEVEL: 'info',
  };
}

/** A Wavix inbound SMS webhook body to +1 415 555 0100 (the sender and text vary per conversation in some tests). */
export function inboundWebhookBody(messageId: string, from = '447400123456', text = 'hello'): string {
  return JSON.stringify({
    message_id: messageId,
    message_type: 'sms',
    from,
    to: '14155550100',
    message_body: { text, media: null },
    received_at: '2026-11-25T10:00:00Z',
  });
}
