import { writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CHART_COLOURS, chartLayout, type HourPoint, renderTrafficChart, SERIES } from '../../src/charts/trafficChart.js';
import { decodePng } from '../helpers/png.js';

const START = Date.UTC(2026, 10, 24, 9, 0, 0);
const hours = (n: number, value: (i: number) => Omit<HourPoint, 'hourStart'>): HourPoint[] =>
  Array.from({ length: n }, (_, i) => ({ hourStart: START + i * 3_600_000, ...value(i) }));

/** A realistic day: office-hours outbound, steady inbound, a burst of failures at one hour. */
const day = hours(24, (i) => ({
  inbound: 5 + (i % 5),
  outbound: i >= 8 && i <= 18 ? 40 + 3 * i : 4,
  failed: i === 5 ? 30 : i % 7 === 0 ? 2 : 0,
}));

const count = (
  png: ReturnType<typeof decodePng>,
  rect: { x: number; y: number; w: number; h: number },
  rgb: readonly number[],
) => {
  let n = 0;
  for (let y = rect.y; y < rect.y + rect.h; y++)
    for (let x = rect.x; x < rect.x + rect.w; x++) if (png.pixel(x, y).every((v, k) => v === rgb[k])) n++;
  return n;
};

describe('traffic chart', () => {
  it('is a valid PNG whose bars are where the data says, in the series colours, taller for larger values', () => {
    const png = decodePng(renderTrafficChart(day, { title: 'SMS per hour, last 24 hours' }));
    expect([png.width, png.height]).toEqual([900, 360]);
    const layout = chartLayout(day, 900, 360);
    for (const [i, point] of day.entries()) {
      for (const series of SERIES) {
        const bar = layout.bars[i]?.[series];
        if (!bar) throw new Error('no bar');
        const pixels = count(png, bar, CHART_COLOURS[series]);
        if (point[series] === 0) expect(bar.h).toBe(0);
        else expect(pixels).toBe(bar.w * bar.h);
      }
    }
    // The failure burst at hour 5 is the tallest failed bar; the busiest outbound hour the tallest outbound bar.
    const failedHeights = layout.bars.map((b) => b.failed.h);
    expect(failedHeights.indexOf(Math.max(...failedHeights))).toBe(5);
    expect(layout.bars[18]?.outbound.h).toBeGreaterThan(layout.bars[8]?.outbound.h ?? 0);
    expect(layout.yMax).toBeGreaterThanOrEqual(94);
    if (process.env.WRITE_CHART_SAMPLE)
      writeFileSync(
        '/tmp/traffic-chart-sample.png',
        renderTrafficChart(day, { title: 'SMS per hour, last 24 hours, all numbers' }),
      );
  });

  it('shows the legend colours, and keeps every non-zero bar visible over 7 days', () => {
    const week = hours(168, (i) => ({ inbound: i % 24 === 3 ? 0 : 1 + (i % 3), outbound: 10, failed: i === 100 ? 1 : 0 }));
    const png = decodePng(renderTrafficChart(week, { title: 'last 7 days' }));
    const layout = chartLayout(week, 900, 360);
    expect(count(png, layout.bars[100]?.failed ?? { x: 0, y: 0, w: 0, h: 0 }, CHART_COLOURS.failed)).toBeGreaterThan(0);
    for (const [i, group] of layout.bars.entries()) {
      if (week[i]?.inbound) expect(group.inbound.w * group.inbound.h).toBeGreaterThan(0);
    }
    const legend = { x: 0, y: 30, w: 900, h: 12 };
    for (const series of SERIES) expect(count(png, legend, CHART_COLOURS[series])).toBeGreaterThan(20);
  });

  it('draws an empty period without bars instead of failing', () => {
    const quiet = hours(24, () => ({ inbound: 0, outbound: 0, failed: 0 }));
    const png = decodePng(renderTrafficChart(quiet, { title: 'nothing' }));
    const layout = chartLayout(quiet, 900, 360);
    expect(layout.yMax).toBe(0);
    for (const series of SERIES) expect(count(png, layout.plot, CHART_COLOURS[series])).toBe(0);
    expect(() => decodePng(Buffer.from('not a png'))).toThrow(/signature/);
  });
});
