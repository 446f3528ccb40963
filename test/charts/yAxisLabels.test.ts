import { describe, expect, it } from 'vitest';
import { chartLayout, type HourPoint } from '../../src/charts/chartLayout.js';
import { estimateTextWidth, trafficChartSvg } from '../../src/charts/trafficChartSvg.js';

const HOUR = 3_600_000;
const day = (busiest: number): HourPoint[] =>
  Array.from({ length: 24 }, (_, i) => ({ hourStart: i * HOUR, inbound: i === 12 ? busiest : 1, outbound: 0, failed: 0 }));

/** The y axis labels: the right-anchored texts, with where they end and their font size. */
function yLabels(svg: string): Array<{ x: number; size: number; text: string }> {
  return [...svg.matchAll(/<text x="(\d+)" y="\d+" font-size="(\d+)" fill="[^"]+" text-anchor="end">([^<]*)<\/text>/g)].map(
    (m) => ({ x: Number(m[1]), size: Number(m[2]), text: m[3] ?? '' }),
  );
}

describe('the traffic chart y axis', () => {
  it('abbreviates counts of a million and more, instead of cutting "1,500,000" to "500,000"', () => {
    const svg = trafficChartSvg(day(1_500_000), { title: 't', width: 1200, height: 500 });
    expect(yLabels(svg).map((l) => l.text)).toEqual(['0', '500k', '1M', '1.5M']);
    // In full while they fit.
    const fits = trafficChartSvg(day(70_000), { title: 't', width: 1200, height: 500 });
    expect(yLabels(fits).map((l) => l.text)).toEqual(['0', '20,000', '40,000', '60,000', '80,000']);
  });

  it.each([
    [1200, 500],
    [600, 250],
    [1800, 750],
  ])('keeps every label inside the image at %ix%i, whatever the traffic', (width, height) => {
    for (let busiest = 1; busiest < 1e12; busiest = Math.ceil(busiest * 1.7)) {
      const svg = trafficChartSvg(day(busiest), { title: 't', width, height });
      const labels = yLabels(svg);
      expect(labels.length).toBeGreaterThan(1);
      for (const label of labels) {
        expect(estimateTextWidth(label.text, label.size), `${label.text} (busiest ${busiest})`).toBeLessThanOrEqual(label.x);
        expect(label.x).toBeLessThan(chartLayout(day(busiest), width, height).plot.x);
      }
    }
  });
});
