import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

/** Whether strace can trace this process (installed, ptrace allowed): tests of a slow disk are skipped where not. */
export const straceWorks = spawnSync('strace', ['-qq', '-o', '/dev/null', 'true']).status === 0;

/**
 * A slow or hung disk under `path`, made with strace's fault injection: every file call of this process naming it
 * takes `delayMs` more, until `stop()`. Started a moment before it returns, so the first calls are already slow.
 */
export function slowDiskUnder(path: string, delayMs: number): Promise<{ stop(): Promise<void> }> {
  return injectUnder(path, 'trace=%file', `inject=%file:delay_exit=${delayMs * 1000}`);
}

/**
 * The next write of this process into the file at `path` (SQLite's pwrite) blocks `delayMs`, the ones after it not:
 * a thread stopped meanwhile cannot end until the write returns, as on a disk that stopped answering.
 */
export function hangNextWriteTo(path: string, delayMs: number): Promise<{ stop(): Promise<void> }> {
  return injectUnder(path, 'trace=pwrite64', `inject=pwrite64:delay_exit=${delayMs * 1000}:when=1`);
}

/** strace attached to this process with one fault injection on calls naming `path`, until `stop()`. */
async function injectUnder(path: string, trace: string, inject: string): Promise<{ stop(): Promise<void> }> {
  const tracer = spawn(
    'strace',
    ['-f', '-qq', '-p', String(process.pid), '-P', path, '-e', trace, '-e', inject, '-o', '/dev/null'],
    { stdio: 'ignore' },
  );
  // Started a moment before it returns, so the first calls are already under it.
  await sleep(1_500);
  return {
    stop: async () => {
      tracer.kill('SIGINT');
      await sleep(300);
    },
  };
}

/**
 * A curl loop run from another process (this one's timers would stall with smsops), each answer's time recorded in
 * `file`: `stop()` ends it and gives the times in milliseconds. `curlArgs` may use `$i`, the loop's count.
 */
export function timedFromOutside(curlArgs: string, file: string): { stop(): number[] } {
  let loop: ChildProcess | undefined = spawn(
    'bash',
    ['-c', `i=0; while :; do i=$((i+1)); curl -s -o /dev/null -w '%{time_total}\\n' ${curlArgs}; sleep 0.05; done > ${file}`],
    { stdio: 'ignore', detached: true },
  );
  const end = () => {
    if (loop?.pid) process.kill(-loop.pid);
    loop = undefined;
  };
  return {
    stop: () => {
      end();
      return readFileSync(file, 'utf8')
        .trim()
        .split('\n')
        .filter((line) => line !== '')
        .map((s) => Number(s) * 1000);
    },
  };
}
