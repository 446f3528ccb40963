import { constants, writeSync as fsWriteSync, openSync } from 'node:fs';
import { isatty } from 'node:tty';

/**
 * A console stream (stdout or stderr) that never waits for its reader. pino's synchronous destination, on the
 * non-blocking pipe Node makes of stdout, slept 100 ms and tried again for as long as the pipe stayed full: a log
 * reader that stopped reading (a stuck log driver, journald hung, `| less` left open, a reader SIGSTOPped) stopped
 * the whole process, webhooks unanswered, the relay and /healthz with them. Now a line the pipe cannot take at once
 * (or a full disk, or a reader gone) is dropped and counted, and once lines are taken again one warning says how
 * many were lost. Memory is bounded: at most the unwritten end of one line is kept (a line is never cut in two in
 * the log).
 */
export interface ConsoleWriter {
  write(line: string): void;
  /** Lines dropped since start (also said in the log, once the reader is back). */
  dropped(): number;
}

type WriteSync = (fd: number, data: Uint8Array) => number;

/**
 * The descriptor to write a console stream through without ever waiting. A pipe is already non-blocking (Node makes
 * it so once process.stdout is touched), a file or /dev/null never waits; but Node puts a terminal back in blocking
 * mode (tty.WriteStream), so with stdout a terminal whose reader stopped (Ctrl-S, `script` or an SSH session whose
 * output stalled, `docker run -t` under a stuck log driver) each line waited and the whole process stood still. The
 * terminal is opened again, non-blocking, for smsops' lines alone; where that fails, the descriptor as it is.
 */
export function nonBlockingConsole(fd: number): number {
  if (!isatty(fd)) return fd;
  try {
    return openSync(`/proc/self/fd/${fd}`, constants.O_WRONLY | constants.O_NONBLOCK | constants.O_NOCTTY);
  } catch {
    return fd;
  }
}

/** How often the unwritten end of a line is tried again while nothing else is written. */
const RETRY_MS = 100;

export function consoleWriter(
  fd: number,
  options: {
    writeSync?: WriteSync;
    now?: () => Date;
    /** The count's line as the stream's other lines read (human on a terminal), from its JSON line; as it is unless given. */
    shape?: (jsonLine: string) => string;
    /** Told of each line dropped (smsops_log_lines_dropped_total). */
    onDropped?: () => void;
  } = {},
): ConsoleWriter {
  const to = options.writeSync ? fd : nonBlockingConsole(fd);
  const writeSync = options.writeSync ?? ((target, data) => fsWriteSync(target, data));
  const now = options.now ?? (() => new Date());
  let rest: Uint8Array | undefined;
  let droppedTotal = 0;
  let droppedUnsaid = 0;
  let timer: NodeJS.Timeout | undefined;

  /**
   * Writes what the stream takes now, the end it did not take kept in `rest` and tried again, whatever the failure:
   * EAGAIN (a full pipe), ENOSPC (a log file's full disk), EPIPE (nobody reads; a FIFO may get a reader again). Losing
   * the end on a failure left the half a disk had taken joined to the next line once it had room (a broken JSON line
   * for the log pipeline), and lines lost to a full disk or a gone reader uncounted: /metrics said 0 dropped while
   * every line was lost. True when nothing is left over.
   */
  const put = (data: Uint8Array): boolean => {
    try {
      const n = writeSync(to, data);
      rest = n >= data.length ? undefined : data.subarray(n);
    } catch {
      rest = data;
    }
    return rest === undefined;
  };

  const sayDropped = () => {
    if (droppedUnsaid === 0) return;
    const json = JSON.stringify({
      level: 'warn',
      time: now().toISOString(),
      dropped: droppedUnsaid,
      msg: 'log lines dropped: this output could not take them (a full pipe or disk, or no reader); smsops went on',
    });
    const line = `${options.shape ? options.shape(json) : json}\n`;
    droppedUnsaid = 0;
    if (!put(Buffer.from(line))) arm();
  };

  /** The kept end written, then the count said: true when the stream is free for a new line. */
  const catchUp = (): boolean => {
    if (rest && !put(rest)) return false;
    sayDropped();
    return rest === undefined;
  };

  function arm() {
    if (timer) return;
    timer = setTimeout(() => {
      timer = undefined;
      if (!catchUp()) arm();
    }, RETRY_MS);
    timer.unref();
  }

  return {
    write: (line) => {
      if (!catchUp()) {
        droppedTotal += 1;
        droppedUnsaid += 1;
        options.onDropped?.();
        arm();
        return;
      }
      // A line the pipe took only part of is finished first (by the timer or the next write), never cut.
      if (!put(Buffer.from(line))) arm();
    },
    dropped: () => droppedTotal,
  };
}
