/**
 * Lets the WAL checkpointer hold the group commit's writes for a few milliseconds, without holding the event loop:
 * SQLite restarts the WAL only at a write that finds every frame copied, and under steady writes the checkpointer's
 * copy is always a few commits behind (walCheckpointer.ts). Closed, the group commit queues its writes; open, it
 * commits them.
 */
export interface WriteGate {
  readonly closed: boolean;
  close(): void;
  /** Opens the gate and runs, once each, what waited for it. */
  open(): void;
  /** Runs `resume` once, when the gate opens (at once if it is open). */
  whenOpen(resume: () => void): void;
}

export function createWriteGate(): WriteGate {
  let closed = false;
  let waiting: Array<() => void> = [];
  return {
    get closed() {
      return closed;
    },
    close: () => {
      closed = true;
    },
    open: () => {
      closed = false;
      const resumed = waiting;
      waiting = [];
      for (const resume of resumed) resume();
    },
    whenOpen: (resume) => {
      if (closed) waiting.push(resume);
      else resume();
    },
  };
}
