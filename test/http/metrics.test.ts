import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { metricsRoute } from '../../src/http/health.js';
import { startHttpServer } from '../../src/http/server.js';
import { tenDlcWebhookUrls } from '../../src/jobs/tenDlcWebhookUrls.js';
import { createLogger } from '../../src/log.js';
import { createMetricsRegistry } from '../../src/metrics.js';
import { readable, runCommand, type SmsopsUnderTest, startSmsopsUnderTest, WEBHOOK_SECRET } from '../helpers/smsopsUnderTest.js';

interface Family {
  type: string;
  help?: string;
  samples: Array<{ name: string; labels: Record<string, string>; value: number }>;
}

const NAME = '[a-zA-Z_:][a-zA-Z0-9_:]*';
const SAMPLE = new RegExp(`^(${NAME})(?:\\{(.*)\\})? (\\S+)(?: (-?\\d+))?$`);
const LABEL = /^([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\n]|\\[\\"n])*)"(,|$)/;
const SUFFIXES: Record<string, string[]> = { histogram: ['_bucket', '_sum', '_count'], summary: ['', '_sum', '_count'] };

/** Prometheus reads values with Go's ParseFloat, which takes NaN and Inf in any case (prom-client writes `Nan`). */
function parseValue(text: string): number {
  if (/^\+?inf$/i.test(text)) return Number.POSITIVE_INFINITY;
  if (/^-inf$/i.test(text)) return Number.NEGATIVE_INFINITY;
  if (/^nan$/i.test(text)) return Number.NaN;
  if (!/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(text)) throw new Error(`not a number: ${text}`);
  return Number(text);
}

function parseLabels(text: string): Record<string, string> {
  const labels: Record<string, string> = {};
  let rest = text;
  while (rest.length > 0) {
    const match = LABEL.exec(rest);
    if (!match?.[1]) throw new Error(`bad labels: ${text}`);
    if (match[1] in labels) throw new Error(`label ${match[1]} twice: ${text}`);
    labels[match[1]] = (match[2] ?? '').replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
    rest = rest.slice(match[0].length);
  }
  return labels;
}

/**
 * Prometheus' text exposition format 0.0.4, read strictly: every line a HELP, a TYPE or a sample; a family's TYPE
 * before its samples and its samples together; histogram buckets cumulative, ending at +Inf equal to the count.
 */
function parsePrometheusText(text: string): Map<string, Family> {
  if (!text.endsWith('\n')) throw new Error('the text must end with a line feed');
  const families = new Map<string, Family>();
  let current: string | undefined;
  const familyOf = (sample: string) => {
    for (const [name, family] of families)
      if ((SUFFIXES[family.type] ?? ['']).some((suffix) => `${name}${suffix}` === sample)) return name;
    return undefined;
  };
  for (const line of text.slice(0, -1).split('\n')) {
    if (line === '') continue;
    const meta = /^# (HELP|TYPE) (\S+) ?(.*)$/.exec(line);
    if (meta) {
      const [, kind, name = '', rest = ''] = meta;
      if (!new RegExp(`^${NAME}$`).test(name)) throw new Error(`bad name: ${line}`);
      const family = families.get(name) ?? { type: 'untyped', samples: [] };
      if (family.samples.length > 0) throw new Error(`${kind} after samples: ${line}`);
      if (kind === 'TYPE') {
        if (!['counter', 'gauge', 'histogram', 'summary', 'untyped'].includes(rest)) throw new Error(`bad type: ${line}`);
        family.type = rest;
      } else family.help = rest;
      families.set(name, family);
      current = name;
      continue;
    }
    if (line.startsWith('#')) continue;
    const sample = SAMPLE.exec(line);
    if (!sample?.[1] || !sample[3]) throw new Error(`not a sample: ${line}`);
    const name = familyOf(sample[1]);
    if (name === undefined || name !== current) throw new Error(`sample outside its family: ${line}`);
    families.get(name)?.samples.push({ name: sample[1], labels: parseLabels(sample[2] ?? ''), value: parseValue(sample[3]) });
  }
  for (const [name, family] of families) {
    if (family.type !== 'histogram') continue;
    const series = new Map<string, Family['samples']>();
    for (const sample of family.samples) {
      const { le, ...labels } = sample.labels;
      const key = JSON.stringify(labels);
      series.set(key, [...(series.get(key) ?? []), sample]);
    }
    for (const [labels, samples] of series) {
      const buckets = samples.filter((s) => s.name === `${name}_bucket`);
      const counts = buckets.map((b) => b.value);
      expect(counts, name + labels).toEqual([...counts].sort((a, b) => a - b));
      expect(buckets.at(-1)?.labels.le, name + labels).toBe('+Inf');
      expect(samples.find((s) => s.name === `${name}_count`)?.value, name + labels).toBe(buckets.at(-1)?.value);
    }
  }
  return families;
}

describe('metrics registry (prom-client)', () => {
  it('exposes counters, gauges read at scrape time and a histogram as valid Prometheus text', async () => {
    const metrics = createMetricsRegistry({ processMetrics: false });
    const hits = metrics.counter('t_hits_total', 'Hits.', ['route']);
    hits.inc({ route: 'a "quoted" \\ new\nline' });
    hits.inc({ route: 'b' }, 2);
    let backlog = 3;
    metrics.gauge('t_backlog', 'Backlog.', ['kind'], () => [{ labels: { kind: 'slack' }, value: backlog }]);
    metrics.gauge('t_writable', 'Writable.', [], () => [{ value: 1 }]);
    const latency = metrics.histogram('t_seconds', 'Latency.', [0.01, 0.1, 1]);
    latency.observe(0.05);
    latency.observe(5);

    const families = parsePrometheusText(await metrics.render());
    expect(families.get('t_hits_total')?.type).toBe('counter');
    expect(families.get('t_hits_total')?.samples.map((s) => [s.labels.route, s.value])).toEqual([
      ['a "quoted" \\ new\nline', 1],
      ['b', 2],
    ]);
    expect(families.get('t_backlog')?.samples).toEqual([{ name: 't_backlog', labels: { kind: 'slack' }, value: 3 }]);
    expect(families.get('t_writable')?.samples[0]?.value).toBe(1);
    const histogram = families.get('t_seconds')?.samples.map((s) => [s.name, s.labels.le, s.value]);
    expect(histogram).toEqual([
      ['t_seconds_bucket', '0.01', 0],
      ['t_seconds_bucket', '0.1', 1],
      ['t_seconds_bucket', '1', 1],
      ['t_seconds_bucket', '+Inf', 2],
      ['t_seconds_sum', undefined, 5.05],
      ['t_seconds_count', undefined, 2],
    ]);
    backlog = 7;
    expect(parsePrometheusText(await metrics.render()).get('t_backlog')?.samples[0]?.value).toBe(7);
  });

  it("shows Node's process series but not its exact version, which would tell anyone which of its flaws to try", async () => {
    const text = await createMetricsRegistry({ processMetrics: true }).render();
    expect(text).toContain('smsops_process_cpu_user_seconds_total');
    expect(text).not.toContain('version_info');
    expect(text).not.toContain(process.version);
  });

  it('a gauge that cannot be read costs only its own samples, not the scrape', async () => {
    const metrics = createMetricsRegistry({ processMetrics: false });
    metrics.counter('t_ok_total', 'Fine.', []).inc();
    metrics.gauge('t_broken', 'Broken.', ['kind'], () => {
      throw new Error('database is locked');
    });
    const families = parsePrometheusText(await metrics.render());
    expect(families.get('t_ok_total')?.samples[0]?.value).toBe(1);
    expect(families.get('t_broken')?.samples).toEqual([]);
  });

  it('a gauge returning a label it did not declare is left out and counted, and the scrape goes on', async () => {
    const metrics = createMetricsRegistry({ processMetrics: false });
    metrics.counter('t_ok_total', 'Fine.', []).inc();
    metrics.gauge('t_wrong', 'Wrong.', ['kind'], () => [
      { labels: { kind: 'slack' }, value: 1 },
      { labels: { kind: 'slack', where: 'loop' } as { kind: string }, value: 2 },
    ]);
    metrics.gauge('t_fine', 'Fine.', [], () => [{ value: 5 }]);
    const families = parsePrometheusText(await metrics.render());
    expect(families.get('t_ok_total')?.samples[0]?.value).toBe(1);
    expect(families.get('t_fine')?.samples[0]?.value).toBe(5);
    expect(families.get('t_wrong')?.samples).toEqual([]);
    // Every gauge's series is there from the start: the first failed read is a rise from 0.
    expect(families.get('smsops_metrics_collect_errors_total')?.samples).toEqual([
      { name: 'smsops_metrics_collect_errors_total', labels: { gauge: 't_wrong' }, value: 1 },
      { name: 'smsops_metrics_collect_errors_total', labels: { gauge: 't_fine' }, value: 0 },
    ]);
  });

  it('a counter shows its label sets known in advance at 0 from registration', async () => {
    const metrics = createMetricsRegistry({ processMetrics: false });
    metrics.counter('t_dead_total', 'Dead.', ['kind'], { initial: [{ kind: 'portsip' }, { kind: 'slack' }] });
    const text = await metrics.render();
    expect(text).toContain('t_dead_total{kind="portsip"} 0\n');
    expect(text).toContain('t_dead_total{kind="slack"} 0\n');
  });

  it('keeps registries apart: two apps in one process register the same names, each counting its own', async () => {
    const [one, two] = [createMetricsRegistry(), createMetricsRegistry()];
    one.counter('t_same_total', 'Same.', []).inc();
    two.counter('t_same_total', 'Same.', []);
    expect(parsePrometheusText(await one.render()).get('t_same_total')?.samples[0]?.value).toBe(1);
    const second = parsePrometheusText(await two.render());
    expect(second.get('t_same_total')?.samples[0]?.value).toBe(0);
    expect(second.get('smsops_process_cpu_seconds_total')?.type).toBe('counter');
  });
});

describe('GET /metrics of a running smsops', () => {
  let t: SmsopsUnderTest;
  beforeAll(async () => {
    t = await startSmsopsUnderTest();
  });
  afterAll(() => t.stop());

  it("serves every smsops series, with the same name and type as before prom-client, and Node's process series", async () => {
    const response = await fetch(`${t.smsops.url}/metrics`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    const families = parsePrometheusText(await response.text());
    const types = Object.fromEntries([...families].map(([name, family]) => [name, family.type]));
    expect(types).toMatchObject({
      smsops_webhooks_total: 'counter',
      smsops_relay_delivered_total: 'counter',
      smsops_relay_failed_attempts_total: 'counter',
      smsops_relay_dead_total: 'counter',
      smsops_webhook_responses_total: 'counter',
      smsops_relay_worker_errors_total: 'counter',
      smsops_relay_worker_restarts_total: 'counter',
      smsops_webhook_schema_warnings_total: 'counter',
      smsops_ingest_seconds: 'histogram',
      smsops_relay_backlog: 'gauge',
      smsops_relay_worker_seconds_since_loop: 'gauge',
      smsops_store_writable: 'gauge',
      smsops_store_commits_total: 'counter',
      smsops_store_committed_writes_total: 'counter',
      smsops_store_wal_checkpointer_running: 'gauge',
      smsops_store_wal_gate_held_seconds: 'gauge',
      smsops_store_wal_main_catchups: 'gauge',
      smsops_process_cpu_seconds_total: 'counter',
      smsops_process_resident_memory_bytes: 'gauge',
      smsops_nodejs_eventloop_lag_seconds: 'gauge',
    });
    expect(families.get('smsops_store_writable')?.samples[0]?.value).toBe(1);
    expect(families.get('smsops_store_wal_checkpointer_running')?.samples[0]?.value).toBe(1);
    expect(families.get('smsops_store_wal_main_catchups')?.samples[0]?.value).toBe(0);
    expect(
      families
        .get('smsops_relay_backlog')
        ?.samples.map((s) => s.labels.kind)
        .sort(),
    ).toEqual(['portsip', 'slack']);
  });

  it('shows the relay and webhook counters at 0 from the start, so increase() counts their first event', async () => {
    const text = await (await fetch(`${t.smsops.url}/metrics`)).text();
    for (const kind of ['portsip', 'slack']) {
      expect(text).toContain(`smsops_relay_dead_total{kind="${kind}"} 0\n`);
      expect(text).toContain(`smsops_relay_failed_attempts_total{kind="${kind}"} 0\n`);
      expect(text).toContain(`smsops_relay_delivered_total{kind="${kind}"} 0\n`);
      expect(text).toContain(`smsops_relay_worker_errors_total{kind="${kind}",where="loop"} 0\n`);
    }
    expect(text).toContain('smsops_relay_worker_errors_total{kind="portsip",where="commit-hint"} 0\n');
    for (const route of ['inbound', 'dlr'])
      expect(text).toContain(`smsops_webhooks_total{route="${route}",outcome="rejected"} 0\n`);
  });

  it('counts job runs by job and outcome, each at 0 from the start', async () => {
    const before = await (await fetch(`${t.smsops.url}/metrics`)).text();
    for (const job of ['traffic-watch', 'opt-outs', 'sender-id-approvals', 'ten-dlc', 'daily-digest', 'retention', 'backup']) {
      for (const outcome of ['ok', 'failed', 'skipped', 'timed_out'])
        expect(before).toContain(`smsops_job_runs_total{job="${job}",outcome="${outcome}"} 0\n`);
      expect(before).toContain(`smsops_job_ticks_missed_total{job="${job}"} 0\n`);
    }
    expect(readable((await runCommand(t, 'jobs run daily-digest')).body)).toContain('daily-digest: ok');
    const after = await (await fetch(`${t.smsops.url}/metrics`)).text();
    expect(after).toContain('smsops_job_runs_total{job="daily-digest",outcome="ok"} 1\n');
    expect(after).toContain('smsops_job_runs_total{job="daily-digest",outcome="failed"} 0\n');
  });

  it('counts the 10DLC status webhooks with the SMS ones, by outcome and by answer', async () => {
    const urls = tenDlcWebhookUrls(t.smsops.url, WEBHOOK_SECRET);
    const post = (url: string, body: string) =>
      fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body }).then((r) => r.status);
    const approved = JSON.stringify({ brand_id: 'BM20QP9', campaign_id: 'CKLCK95', status: 'APPROVED' });
    expect(await post(urls.campaign, approved)).toBe(200);
    expect(await post(urls.campaign, approved)).toBe(200);
    expect(await post(urls.brand, 'not json')).toBe(400);
    const text = await (await fetch(`${t.smsops.url}/metrics`)).text();
    expect(text).toContain('smsops_webhooks_total{route="10dlc/campaign",outcome="stored"} 1\n');
    expect(text).toContain('smsops_webhooks_total{route="10dlc/campaign",outcome="duplicate"} 1\n');
    expect(text).toContain('smsops_webhooks_total{route="10dlc/brand",outcome="rejected"} 1\n');
    expect(text).toContain('smsops_webhooks_total{route="10dlc/number",outcome="rejected"} 0\n');
    expect(text).toContain('smsops_webhook_responses_total{route="10dlc/campaign",status="200"} 2\n');
    expect(text).toContain('smsops_webhook_responses_total{route="10dlc/brand",status="400"} 1\n');
  });

  it('counts requests with a wrong secret apart from refused webhooks: anyone can knock on the path', async () => {
    const wrong = (path: string) =>
      fetch(`${t.smsops.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' }).then(
        (r) => r.status,
      );
    expect(await wrong('/webhooks/wavix/inbound/guess')).toBe(404);
    expect(await wrong('/webhooks/wavix/inbound/guess-again')).toBe(404);
    expect(await wrong(new URL(tenDlcWebhookUrls(t.smsops.url, 'guess').number).pathname)).toBe(404);
    const text = await (await fetch(`${t.smsops.url}/metrics`)).text();
    expect(text).toContain('smsops_webhooks_total{route="inbound",outcome="wrong_secret"} 2\n');
    expect(text).toContain('smsops_webhooks_total{route="inbound",outcome="rejected"} 0\n');
    expect(text).toContain('smsops_webhooks_total{route="10dlc/number",outcome="wrong_secret"} 1\n');
    expect(text).toContain('smsops_webhooks_total{route="10dlc/number",outcome="rejected"} 0\n');
  });
});

describe('GET /metrics when rendering fails', () => {
  it('answers 500 with a short reason instead of leaving the request to an unhandled rejection', async () => {
    const route = metricsRoute({
      ...createMetricsRegistry({ processMetrics: false }),
      render: () => Promise.reject(new Error('registry broken')),
    });
    const server = await startHttpServer({
      host: '127.0.0.1',
      port: 0,
      logger: createLogger({ level: 'silent' }),
      routes: [route],
    });
    try {
      const response = await fetch(`${server.url}/metrics`);
      expect(response.status).toBe(500);
      expect(await response.text()).toBe('metrics could not be rendered: registry broken\n');
    } finally {
      await server.close();
    }
  });
});
