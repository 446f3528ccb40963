/**
 * A small Prometheus registry: counters, gauges read at scrape time, and one latency histogram. Enough for the relay's
 * few series without a dependency; the text format is Prometheus' exposition format 0.0.4.
 */
export interface Counter {
  inc(labels?: Record<string, string>, by?: number): void;
}

export interface Histogram {
  observe(seconds: number): void;
}

type Labels = Record<string, string>;

const labelText = (labels: Labels) => {
  const entries = Object.entries(labels);
  if (entries.length === 0) return '';
  return `{${entries.map(([k, v]) => `${k}="${v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`).join(',')}}`;
};

export interface MetricsRegistry {
  counter(name: string, help: string): Counter;
  /** A gauge whose samples are read when scraped (e.g. the backlog, from the database). */
  gauge(name: string, help: string, read: () => Array<{ labels?: Labels; value: number }>): void;
  histogram(name: string, help: string, buckets: readonly number[]): Histogram;
  render(): string;
}

export function createMetricsRegistry(): MetricsRegistry {
  const sections: Array<() => string> = [];
  return {
    counter(name, help) {
      const values = new Map<string, number>();
      sections.push(() => {
        const lines = [`# HELP ${name} ${help}`, `# TYPE ${name} counter`];
        if (values.size === 0) lines.push(`${name} 0`);
        for (const [labels, value] of values) lines.push(`${name}${labels} ${value}`);
        return lines.join('\n');
      });
      return {
        inc: (labels = {}, by = 1) => {
          const key = labelText(labels);
          values.set(key, (values.get(key) ?? 0) + by);
        },
      };
    },
    gauge(name, help, read) {
      sections.push(() =>
        [
          `# HELP ${name} ${help}`,
          `# TYPE ${name} gauge`,
          ...read().map((s) => `${name}${labelText(s.labels ?? {})} ${s.value}`),
        ].join('\n'),
      );
    },
    histogram(name, help, buckets) {
      const counts = new Array<number>(buckets.length).fill(0);
      let sum = 0;
      let count = 0;
      sections.push(() => {
        const lines = [`# HELP ${name} ${help}`, `# TYPE ${name} histogram`];
        for (const [i, le] of buckets.entries()) lines.push(`${name}_bucket{le="${le}"} ${counts[i]}`);
        lines.push(`${name}_bucket{le="+Inf"} ${count}`, `${name}_sum ${sum}`, `${name}_count ${count}`);
        return lines.join('\n');
      });
      return {
        observe: (seconds) => {
          count += 1;
          sum += seconds;
          buckets.forEach((le, i) => {
            if (seconds <= le) counts[i] = (counts[i] ?? 0) + 1;
          });
        },
      };
    },
    // A gauge that cannot be read (the database failing) must not cost the scrape every other series.
    render: () =>
      `${sections
        .map((s) => {
          try {
            return s();
          } catch (error) {
            return `# a series could not be read: ${(error instanceof Error ? error.message : String(error)).replace(/\n/g, ' ')}`;
          }
        })
        .join('\n')}\n`,
  };
}
