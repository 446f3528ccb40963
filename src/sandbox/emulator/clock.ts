/**
 * The emulator's clock. It starts at the real time and moves only when told (`advance`), so that Sender ID reviews
 * that take days at Wavix, and delivery reports that follow a send, happen when a test or a person wants them to.
 */
export interface ScheduledTask {
  at: number;
  label: string;
  run: () => void | Promise<void>;
}

export class EmulatorClock {
  private current: number;
  private tasks: ScheduledTask[] = [];

  constructor(start: number = Date.now()) {
    this.current = start;
  }

  now(): number {
    return this.current;
  }

  schedule(delayMs: number, label: string, run: ScheduledTask['run']): ScheduledTask {
    const task = { at: this.current + delayMs, label, run };
    this.tasks.push(task);
    return task;
  }

  cancel(task: ScheduledTask): void {
    this.tasks = this.tasks.filter((t) => t !== task);
  }

  /** Drops every scheduled task (on reset: tasks of the old state must not fire into the new one). */
  clear(): void {
    this.tasks = [];
  }

  pending(): readonly ScheduledTask[] {
    return [...this.tasks].sort((a, b) => a.at - b.at);
  }

  /** Moves time forward, running every task that falls due, in time order (a task may schedule further tasks). */
  async advance(ms: number): Promise<void> {
    const target = this.current + ms;
    for (;;) {
      const next = this.pending().find((t) => t.at <= target);
      if (!next) break;
      this.tasks = this.tasks.filter((t) => t !== next);
      this.current = Math.max(this.current, next.at);
      await next.run();
    }
    this.current = target;
  }
}
