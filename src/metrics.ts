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

export interface CounterOptions<L extends string> {
  /**
   * Label sets known in advance, shown at 0 from registration: a series that first appears at 1 is missed by
   * increase() and rate(), so the first event after a restart would not count.
   */
  initial?: ReadonlyArray<Record<L, string>>;
}

export interface MetricsRegistry {
  counter<L extends string = never>(
    name: string,
    help: string,
    labelNames: readonly L[],
    options?: CounterOptions<L>,
  ): Counter<L>;
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
    // /metrics answers anyone who reaches it: Node's exact version tells an attacker which of its flaws to try.
    processSeries.removeSingleMetric('smsops_nodejs_version_info');
  }
  return processSeries;
}

export function createMetricsRegistry(options: { processMetrics?: boolean } = {}): MetricsRegistry {
  const registry = new Registry();
  const registers = [registry];
  const withProcess = options.processMetrics ?? true;
  if (withProcess) processRegistry();
  // A gauge that cannot be read or does not match its declaration is counted here, per gauge, instead of being logged
  // at every scrape: a leaf module has no logger, and a rising counter is what an alert rule can watch.
  const collectErrors = new PromCounter({
    name: 'smsops_metrics_collect_errors_total',
    help: 'Scrapes that left out a gauge because reading it failed, by gauge.',
    labelNames: ['gauge'],
    registers,
  });
  const gaugeReads: Array<() => void> = [];
  return {
    counter(name, help, labelNames, counterOptions) {
      const counter = new PromCounter({ name, help, labelNames: [...labelNames], registers });
      for (const labels of counterOptions?.initial ?? []) counter.inc(labels, 0);
      return { inc: (labels, by = 1) => counter.inc(labels ?? {}, by) };
    },
    gauge(name, help, labelNames, read) {
      const gauge = new Gauge({ name, help, labelNames: [...labelNames], registers });
      // At 0 from the start, so the first failed read after a restart is a rise increase() sees.
      collectErrors.inc({ gauge: name }, 0);
      // A gauge that cannot be read (the database failing) or returns a label it did not declare must not cost the
      // scrape every other series: it is left out whole (not half set) and counted.
      gaugeReads.push(() => {
        gauge.reset();
        try {
          for (const sample of read()) gauge.set(sample.labels ?? {}, sample.value);
        } catch {
          gauge.reset();
          collectErrors.inc({ gauge: name });
        }
      });
    },
    histogram(name, help, buckets) {
      const histogram = new PromHistogram({ name, help, buckets: [...buckets], registers });
      return { observe: (seconds) => histogram.observe(seconds) };
    },
    render: async () => {
      // Read before writing anything out, so the same scrape already counts a gauge it had to leave out.
      for (const readGauge of gaugeReads) readGauge();
      const own = await registry.metrics();
      return withProcess ? `${own}\n${await processRegistry().metrics()}` : own;
    },
    contentType: registry.contentType,
  };
}
