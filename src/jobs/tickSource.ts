/** Says when a job falls due: the cron slots on real time in production (cronTicks), a source driven by hand in tests. */
export interface TickSource {
  /** Calls `onTick` each time the job's schedule falls due, until disarmed. */
  arm(job: { name: string; schedule: string }, onTick: () => Promise<void>): ArmedSchedule;
}

export interface ArmedSchedule {
  /** Epoch ms of the next tick; null when none is coming. */
  nextRunAt(): number | null;
  disarm(): void | Promise<void>;
}
