import { describe, expect, it } from 'vitest';
import {
  backlogGrew,
  metricValue,
  parseCpuTotals,
  parseProcStatTicks,
  parseProcStatus,
  parseSchedstat,
  parseWrkResult,
  slopePerSecond,
  spread,
} from '../../bench/measure.js';

describe('the production benchmark reads its tools right', () => {
  it("reads wrk's result line: non-2xx answers are not acknowledged, latencies in ms", () => {
    const stdout = [
      'Running 30s test @ http://127.0.0.1:3000/webhooks/wavix/inbound/x',
      '  1 threads and 32 connections',
      'WRK_RESULT {"requests":60500,"generated":60532,"durationUs":30250000,"bytes":1,"errors":{"connect":0,"read":1,"write":0,"status":500,"timeout":2},"latencyUs":{"mean":1500.5,"max":90000,"p50":1200,"p90":2500,"p99":7800}}',
    ].join('\n');
    const r = parseWrkResult(stdout);
    expect(r.ok).toBe(60_000);
    expect(r.seconds).toBeCloseTo(30.25);
    expect(r.okPerSecond).toBeCloseTo(60_000 / 30.25);
    expect(r.latencyMs).toEqual({ mean: 1.5005, p50: 1.2, p90: 2.5, p99: 7.8, max: 90 });
    expect(r.errors.timeout).toBe(2);
  });

  it('says so when wrk printed no result (a script error, a refused connection)', () => {
    expect(() => parseWrkResult('unable to connect to 127.0.0.1:1 Connection refused')).toThrow(/no WRK_RESULT/);
  });

  it('reads resident and peak memory from /proc/<pid>/status', () => {
    const text = 'Name:\tnode\nVmPeak:\t 1200000 kB\nVmHWM:\t  204800 kB\nVmRSS:\t  102400 kB\nThreads:\t11\n';
    expect(parseProcStatus(text)).toEqual({ rssMb: 100, hwmMb: 200 });
    expect(parseProcStatus('Name:\tkthreadd\n').rssMb).toBeNaN();
  });

  it('reads user + system CPU ticks from /proc/<pid>/stat, even when the name has spaces and parentheses', () => {
    const text = '4242 (node (main) x) S 1 4242 4242 0 -1 4194304 100 0 0 0 1234 567 0 0 20 0 11 0 100 0 0';
    expect(parseProcStatTicks(text)).toBe(1234 + 567);
  });

  it('counts iowait as idle in /proc/stat', () => {
    expect(parseCpuTotals('cpu  100 0 50 800 50 0 0 0 0 0\ncpu0 1 2 3\n')).toEqual({ busy: 150, total: 1000, steal: 0 });
  });

  it("reads the hypervisor's steal from /proc/stat, counted busy", () => {
    expect(parseCpuTotals('cpu  100 0 50 700 50 0 0 100 0 0\n')).toEqual({ busy: 250, total: 1000, steal: 100 });
  });

  it('reads time on a CPU and time waiting for one from /proc/<pid>/schedstat', () => {
    expect(parseSchedstat('2500000000 7500000000 1234\n')).toEqual({ runNs: 2.5e9, waitNs: 7.5e9 });
  });

  it('picks a Prometheus sample by name and labels', () => {
    const text = [
      '# HELP smsops_relay_backlog Deliveries not delivered yet, per destination kind.',
      '# TYPE smsops_relay_backlog gauge',
      'smsops_relay_backlog{kind="slack"} 7',
      'smsops_relay_backlog{kind="portsip"} 42',
      'smsops_relay_backlog_other{kind="portsip"} 1',
      'process_resident_memory_bytes 1000',
    ].join('\n');
    expect(metricValue(text, 'smsops_relay_backlog', { kind: 'portsip' })).toBe(42);
    expect(metricValue(text, 'process_resident_memory_bytes')).toBe(1000);
    expect(metricValue(text, 'smsops_relay_backlog', { kind: 'email' })).toBeNaN();
  });
});

describe('repeated runs are summarised by median and range', () => {
  it('takes the middle value, or the mean of the middle two, and ignores runs without a figure', () => {
    expect(spread([3, 1, 2])).toMatchObject({ median: 2, min: 1, max: 3 });
    expect(spread([4, 1, 3, 2])).toMatchObject({ median: 2.5, min: 1, max: 4 });
    expect(spread([5, Number.NaN, 1, 3])).toMatchObject({ median: 3, min: 1, max: 5 });
    expect(spread([]).median).toBeNaN();
  });
});

describe('a backlog is growing only when its trend clearly rises', () => {
  const samples = (perSecond: number, noise: number[] = []) =>
    Array.from({ length: 30 }, (_, i) => ({ t: (i + 1) * 1000, value: 500 + perSecond * i + (noise[i % noise.length] ?? 0) }));

  it('measures the slope per second of samples taken in ms', () => {
    expect(slopePerSecond(samples(250))).toBeCloseTo(250);
    expect(slopePerSecond([{ t: 0, value: 1 }])).toBeNaN();
  });

  it('a backlog that rises by hundreds a second grows; a flat, noisy one does not', () => {
    expect(backlogGrew(samples(300), 2000)).toMatchObject({ grew: true });
    expect(backlogGrew(samples(0, [0, 40, -30, 25, -40]), 2000)).toMatchObject({ grew: false });
    // 1 % of the delivery rate is within the noise allowed.
    expect(backlogGrew(samples(20), 2000).grew).toBe(false);
  });

  it('leaves out the first seconds, while the pipeline fills', () => {
    // Empty for the first 5 s, then a steady 3,000 (the pipeline's depth at that load).
    const filling = samples(0).map((s) => ({ ...s, value: s.t <= 5000 ? 0 : 3000 }));
    expect(backlogGrew(filling, 1000).grew).toBe(false);
    expect(backlogGrew(filling, 1000, 0).grew).toBe(true);
  });
});
