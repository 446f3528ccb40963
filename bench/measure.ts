/**
 * Pure pieces of the production-shape benchmark (bench/production.ts): reading wrk's result line, /proc status and
 * stat files and Prometheus text, and summarising repeated runs. Unit-tested in test/bench/measure.test.ts.
 */

export interface WrkResult {
  /** Responses received (any status). */
  requests: number;
  /** Responses with a 2xx or 3xx status. */
  ok: number;
  /** Requests the script built (sent or about to be). */
  generated: number;
  seconds: number;
  okPerSecond: number;
  errors: { connect: number; read: number; write: number; status: number; timeout: number };
  latencyMs: { mean: number; p50: number; p90: number; p99: number; max: number };
}

/** The `WRK_RESULT {json}` line printed by bench/wrk/inbound.lua's done(); throws when there is none. */
export function parseWrkResult(stdout: string): WrkResult {
  const line = stdout.split('\n').find((l) => l.startsWith('WRK_RESULT '));
  if (!line) throw new Error(`wrk printed no WRK_RESULT line:\n${stdout.slice(-2000)}`);
  const raw = JSON.parse(line.slice('WRK_RESULT '.length)) as {
    requests: number;
    generated: number;
    durationUs: number;
    errors: WrkResult['errors'];
    latencyUs: { mean: number; p50: number; p90: number; p99: number; max: number };
  };
  const seconds = raw.durationUs / 1e6;
  const ok = raw.requests - raw.errors.status;
  const ms = (us: number) => us / 1000;
  return {
    requests: raw.requests,
    ok,
    generated: raw.generated,
    seconds,
    okPerSecond: seconds > 0 ? ok / seconds : Number.NaN,
    errors: raw.errors,
    latencyMs: {
      mean: ms(raw.latencyUs.mean),
      p50: ms(raw.latencyUs.p50),
      p90: ms(raw.latencyUs.p90),
      p99: ms(raw.latencyUs.p99),
      max: ms(raw.latencyUs.max),
    },
  };
}

/** VmRSS and VmHWM (peak resident set) of a /proc/<pid>/status text, in MB (2^20 bytes); NaN when absent. */
export function parseProcStatus(text: string): { rssMb: number; hwmMb: number } {
  const kb = (name: string) => {
    const match = new RegExp(`^${name}:\\s+(\\d+)\\s+kB`, 'm').exec(text);
    return match?.[1] ? Number(match[1]) / 1024 : Number.NaN;
  };
  return { rssMb: kb('VmRSS'), hwmMb: kb('VmHWM') };
}

/** User + system CPU time of a /proc/<pid>/stat text, in clock ticks (fields 14 and 15; the name may hold spaces). */
export function parseProcStatTicks(text: string): number {
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  // After the name, field 3 (state) is at index 0, so field n is at index n - 3.
  return Number(fields[11]) + Number(fields[12]);
}

/** The value of the first sample of `name` whose labels include every `key="value"` given; NaN when absent. */
export function metricValue(text: string, name: string, labels: Record<string, string> = {}): number {
  const wanted = Object.entries(labels).map(([key, value]) => `${key}="${value}"`);
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    if (!wanted.every((pair) => line.includes(pair))) continue;
    return Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return Number.NaN;
}

export interface Spread {
  median: number;
  min: number;
  max: number;
  values: number[];
}

/** Median (mean of the middle two for an even count) and range of the finite values; NaN when there are none. */
export function spread(values: readonly number[]): Spread {
  const finite = values.filter(Number.isFinite).sort((a, b) => a - b);
  if (finite.length === 0) return { median: Number.NaN, min: Number.NaN, max: Number.NaN, values: [...values] };
  const mid = Math.floor(finite.length / 2);
  const median = finite.length % 2 ? (finite[mid] as number) : ((finite[mid - 1] as number) + (finite[mid] as number)) / 2;
  return { median, min: finite[0] as number, max: finite[finite.length - 1] as number, values: [...values] };
}

/** Least-squares slope of the samples, in units per second (`t` in ms); NaN with fewer than two distinct times. */
export function slopePerSecond(samples: ReadonlyArray<{ t: number; value: number }>): number {
  const n = samples.length;
  if (n < 2) return Number.NaN;
  const meanT = samples.reduce((sum, s) => sum + s.t, 0) / n;
  const meanV = samples.reduce((sum, s) => sum + s.value, 0) / n;
  let num = 0;
  let den = 0;
  for (const s of samples) {
    num += (s.t - meanT) * (s.value - meanV);
    den += (s.t - meanT) ** 2;
  }
  return den === 0 ? Number.NaN : (num / den) * 1000;
}

/**
 * Whether a backlog grew over a run: its trend over the samples (the first `skipMs` left out, while the pipeline
 * fills) is above 2 % of the delivery rate, and at least 10 messages a second, so that noise around a flat
 * backlog does not count as growth.
 */
export function backlogGrew(
  samples: ReadonlyArray<{ t: number; value: number }>,
  deliveredPerSecond: number,
  skipMs = 5_000,
): { grew: boolean; slopePerSecond: number } {
  const start = samples[0]?.t ?? 0;
  const slope = slopePerSecond(samples.filter((s) => s.t - start >= skipMs));
  const threshold = Math.max(10, 0.02 * (Number.isFinite(deliveredPerSecond) ? deliveredPerSecond : 0));
  return { grew: Number.isFinite(slope) && slope > threshold, slopePerSecond: slope };
}

/**
 * Busy and total jiffies of all CPUs from /proc/stat's first line (idle and iowait count as not busy), and steal: time
 * the hypervisor gave this VM's CPUs to another guest (counted busy: none of this machine's processes could run).
 */
export function parseCpuTotals(text: string): { busy: number; total: number; steal: number } {
  const line = text.split('\n').find((l) => l.startsWith('cpu ')) ?? '';
  const values = line.trim().split(/\s+/).slice(1).map(Number);
  // user nice system idle iowait irq softirq steal (guest and guest_nice are already inside user and nice)
  const total = values.slice(0, 8).reduce((sum, v) => sum + v, 0);
  const idle = (values[3] ?? 0) + (values[4] ?? 0);
  return { busy: total - idle, total, steal: values[7] ?? 0 };
}

/**
 * /proc/<pid>/schedstat of a thread: nanoseconds on a CPU, nanoseconds runnable but waiting for one (the run queue),
 * and time slices. On a shared machine the wait says how much of a run a process was starved rather than slow.
 */
export function parseSchedstat(text: string): { runNs: number; waitNs: number } {
  const [run, wait] = text.trim().split(/\s+/).map(Number);
  return { runNs: run ?? Number.NaN, waitNs: wait ?? Number.NaN };
}
