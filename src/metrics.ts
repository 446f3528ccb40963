import { collectDefaultMetrics, Gauge, Counter as PromCounter, Histogram as PromHistogram, Registry } from 'prom-client';

/**
 * smsops' metrics on prom-client (which owns the exposition format). Each registry is its own, never prom-client's
 * global one, so a process (a test file) can build several apps without their series colliding. Kept of ours: the
 * narrow interface below, whose gauges are read at scrape time from a callback (the backlog comes from the database).
 */
export interface Counter<L extends string = never> {
  inc(labels?: Record<L, string>, by?: number): void;
}

export interface Histogram {
  observe(seconds: number): void;
}

export interface GaugeSample<L extends string> {
  labels?: Record<L, string>;
  value: number;
}

export interface MetricsRegistry {
  counter<L extends string = never>(name: string, help: string, labelNames: readonly L[]): Counter<L>;
  /** A gauge whose samples are read when scraped (e.g. the backlog, from the database). */
  gauge<L extends string = never>(name: string, help: string, labelNames: readonly L[], read: () => Array<GaugeSample<L>>): void;
  histogram(name: string, help: string, buckets: readonly number[]): Histogram;
  /** The exposition text, with the process' own series (CPU, memory, event loop, GC) after smsops' ones. */
  render(): Promise<string>;
  readonly contentType: string;
}

let processSeries: Registry | undefined;

/**
 * Node's process series, prefixed `smsops_`, once per process: they describe the process, not one app, and
 * prom-client's collectors (an event-loop timer, a GC observer) cannot be stopped, so one set is shared.
 */
function processRegistry(): Registry {
  if (!processSeries) {
    processSeries = new Registry();
    collectDefaultMetrics({ register: processSeries, prefix: 'smsops_' });
  }
  return processSeries;
}

export function createMetricsRegistry(options: { processMetrics?: boolean } = {}): MetricsRegistry {
  const registry = new Registry();
  const registers = [registry];
  const withProcess = options.processMetrics ?? true;
  if (withProcess) processRegistry();
  return {
    counter(name, help, labelNames) {
      const counter = new PromCounter({ name, help, labelNames: [...labelNames], registers });
      return { inc: (labels, by = 1) => counter.inc(labels ?? {}, by) };
    },
    gauge(name, help, labelNames, read) {
      new Gauge({
        name,
        help,
        labelNames: [...labelNames],
        registers,
        collect() {
          this.reset();
          // A gauge that cannot be read (the database failing) must not cost the scrape every other series.
          let samples: Array<GaugeSample<(typeof labelNames)[number]>>;
          try {
            samples = read();
          } catch {
            return;
          }
          for (const sample of samples) this.set(sample.labels ?? {}, sample.value);
        },
      });
    },
    histogram(name, help, buckets) {
      const histogram = new PromHistogram({ name, help, buckets: [...buckets], registers });
      return { observe: (seconds) => histogram.observe(seconds) };
    },
    render: async () => {
      const own = await registry.metrics();
      return withProcess ? `${own}\n${await processRegistry().metrics()}` : own;
    },
    contentType: registry.contentType,
  };
}
