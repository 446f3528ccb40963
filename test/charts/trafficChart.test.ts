import { writeFileSync } from 'node:fs';
import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import { CHART_COLOURS, chartLayout, type HourPoint, type Rect, SERIES, yAxisScale } from '../../src/charts/chartLayout.js';
import { renderTrafficChart } from '../../src/charts/trafficChart.js';
import { escapeXml, trafficChartSvg } from '../../src/charts/trafficChartSvg.js';

const HOUR = 3_600_000;
const WIDTH = 1200;
const HEIGHT = 500;
const hours = (start: number, n: number, value: (hour: number, i: number) => Omit<HourPoint, 'hourStart'>): HourPoint[] =>
  Array.from({ length: n }, (_, i) => ({ hourStart: start + i * HOUR, ...value(new Date(start + i * HOUR).getUTCHours(), i) }));

type Rgb = readonly [number, number, number];
const rgb = (hex: string): Rgb => [1, 3, 5].map((i) => Number.parseInt(hex.slice(i, i + 2), 16)) as unknown as Rgb;
const WHITE: Rgb = [255, 255, 255];

/** The PNG as pngjs (not our renderer) reads it. */
interface Decoded {
  width: number;
  height: number;
  pixel(x: number, y: number): Rgb;
}
function decode(png: Buffer): Decoded {
  const image = PNG.sync.read(png);
  return {
    width: image.width,
    height: image.height,
    pixel: (x, y) => {
      if (x < 0 || y < 0 || x >= image.width || y >= image.height) throw new Error(`pixel (${x}, ${y}) is outside the image`);
      const i = (y * image.width + x) * 4;
      return [image.data[i] ?? 0, image.data[i + 1] ?? 0, image.data[i + 2] ?? 0];
    },
  };
}

const same = (a: Rgb, b: Rgb) => a[0] === b[0] && a[1] === b[1] && a[2] === b[2];

/** How many pixels of `rect` match. */
function count(png: Decoded, rect: Rect, match: Rgb | ((c: Rgb) => boolean)): number {
  const test = typeof match === 'function' ? match : (c: Rgb) => same(c, match);
  let n = 0;
  for (let y = rect.y; y < rect.y + rect.h; y++) for (let x = rect.x; x < rect.x + rect.w; x++) if (test(png.pixel(x, y))) n++;
  return n;
}
/** Text-dark: what glyphs in the chart's ink leave behind, antialiased or not. */
const dark = (c: Rgb) => c[0] < 110 && c[1] < 110 && c[2] < 110;

/** The height in pixels of the run of `colour` standing on the plot's bottom edge at column x: a bar as a person sees it. */
function barHeightAt(png: Decoded, x: number, plotBottom: number, colour: Rgb): number {
  let h = 0;
  while (plotBottom - 1 - h >= 0 && same(png.pixel(x, plotBottom - 1 - h), colour)) h++;
  return h;
}

/** In every hour's slot, the pixels of each series colour are exactly that series' bar: all of it, nothing else. */
function expectBarsAsLaid(png: Decoded, points: readonly HourPoint[], layout: ReturnType<typeof chartLayout>): void {
  for (const [i, point] of points.entries()) {
    for (const series of SERIES) {
      const bar = layout.bars[i]?.[series];
      const slot = layout.slots[i];
      if (!bar || !slot) throw new Error(`no layout for hour ${i}`);
      const where = `${series} at hour ${i}`;
      const colour = rgb(CHART_COLOURS[series]);
      if (point[series] > 0) {
        expect(bar.w * bar.h, where).toBeGreaterThanOrEqual(1);
        expect(count(png, bar, colour), where).toBe(bar.w * bar.h);
      }
      expect(count(png, slot, colour), where).toBe(point[series] > 0 ? bar.w * bar.h : 0);
    }
  }
}

/** The brief's known series: a failure spike at 05:00, inbound only at 10:00, office-hours outbound. */
const known = hours(Date.UTC(2026, 10, 24, 0), 24, (hour) => ({
  inbound: hour === 10 ? 25 : 0,
  outbound: hour >= 8 && hour <= 17 ? 10 + hour : 0,
  failed: hour === 5 ? 40 : hour === 12 ? 4 : 0,
}));

describe('traffic chart', () => {
  it('draws each bar where the layout says, in its series colour, with nothing of that colour in empty hours', () => {
    const png = decode(renderTrafficChart(known, { title: 'SMS per hour, last 24 hours, all numbers' }));
    expect([png.width, png.height]).toEqual([WIDTH, HEIGHT]);
    expectBarsAsLaid(png, known, chartLayout(known, WIDTH, HEIGHT));
  });

  it('makes bar heights proportional to the values on a round y axis', () => {
    const png = decode(renderTrafficChart(known, { title: 'proportions' }));
    const { plot, bars, yMax } = chartLayout(known, WIDTH, HEIGHT);
    expect(yMax).toBe(40);
    const bottom = plot.y + plot.h;
    const seen = (i: number, series: (typeof SERIES)[number]) => {
      const bar = bars[i]?.[series];
      if (!bar) throw new Error(`no bar for hour ${i}`);
      return barHeightAt(png, bar.x + Math.floor(bar.w / 2), bottom, rgb(CHART_COLOURS[series]));
    };
    // The spike equals the top of the axis; the 4 failures at noon are a tenth of it.
    expect(seen(5, 'failed')).toBe(plot.h);
    expect(seen(12, 'failed')).toBe(Math.round(plot.h / 10));
    expect(seen(10, 'inbound')).toBe(Math.round((25 / 40) * plot.h));
    expect(seen(17, 'outbound')).toBeGreaterThan(seen(8, 'outbound'));
  });

  it('picks y axes of 2 to 4 round steps that reach the largest value', () => {
    expect(yAxisScale(94)).toEqual({ max: 100, step: 25 });
    expect(yAxisScale(5)).toEqual({ max: 6, step: 2 });
    expect(yAxisScale(1)).toEqual({ max: 2, step: 1 });
    expect(yAxisScale(40)).toEqual({ max: 40, step: 10 });
    expect(yAxisScale(1234)).toEqual({ max: 1500, step: 500 });
    expect(yAxisScale(0)).toEqual({ max: 0, step: 0 });
  });

  it('shows the title in the shipped font and a legend with each series colour above the plot', () => {
    const png = decode(renderTrafficChart(known, { title: 'SMS per hour, last 24 hours, all numbers' }));
    const { plot } = chartLayout(known, WIDTH, HEIGHT);
    const header = { x: 0, y: 0, w: WIDTH, h: plot.y };
    for (const series of SERIES) expect(count(png, header, rgb(CHART_COLOURS[series])), series).toBeGreaterThanOrEqual(18 * 18);
    // System fonts are never loaded: without the embedded one, resvg would leave the text out and this band blank.
    expect(count(png, { x: 0, y: 0, w: WIDTH, h: 56 }, dark)).toBeGreaterThan(2000);
  });

  it('labels the axes, the legend and the title in the SVG text', () => {
    const svg = trafficChartSvg(known, { title: 'SMS per hour, last 24 hours, all numbers', width: WIDTH, height: HEIGHT });
    for (const label of ['SMS per hour, last 24 hours, all numbers', 'Inbound', 'Outbound', 'Failed', '>40<', '>20<'])
      expect(svg).toContain(label);
    for (const hour of ['00:00', '10:00', '22:00']) expect(svg).toContain(`>${hour}<`);
    expect(svg).toContain('>11-24<');
    expect(svg).toContain('(UTC)');
    expect(svg).not.toContain('No traffic');
  });

  it("labels the hours on the team's clock: a 25-hour day shows its hour twice, a half-hour zone its :30 hours", () => {
    // The digest across London's autumn change: 25 hours from 07:00 UTC on 30 October 2027.
    const day = hours(Date.UTC(2027, 9, 30, 7), 25, () => ({ inbound: 1, outbound: 1, failed: 0 }));
    const london = trafficChartSvg(day, { title: 't', width: WIDTH, height: HEIGHT, timeZone: 'Europe/London' });
    expect(london).toContain('Hour of day (Europe/London)');
    // Labelled in UTC, a London team read its 08:00 digest's first bar as 07:00 all summer.
    expect(london).toContain('>08:00<');
    expect(london).not.toContain('>07:00<');
    const kolkata = trafficChartSvg(day, { title: 't', width: WIDTH, height: HEIGHT, timeZone: 'Asia/Kolkata' });
    expect(kolkata).toContain('>12:30<');
    expect(kolkata).toContain('Hour of day (Asia/Kolkata)');
  });

  it('keeps hostile titles as text: escaped, still a valid SVG, rendered', () => {
    const hostile = '<script>alert("x")</script> & \'friends\' ]]> \u0000\u001b <!-- --> &amp;';
    const svg = trafficChartSvg(known, { title: hostile, width: WIDTH, height: HEIGHT });
    expect(svg).not.toContain('<script');
    expect(svg).not.toContain('<!--');
    for (const control of ['\u0000', '\u001b']) expect(svg).not.toContain(control);
    expect(svg).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &apos;friends&apos; ]]&gt;');
    expect(svg).toContain('&amp;amp;');
    expect(escapeXml('a&b<c>"d\'')).toBe('a&amp;b&lt;c&gt;&quot;d&apos;');
    const png = decode(renderTrafficChart(known, { title: hostile }));
    expect(count(png, { x: 0, y: 0, w: WIDTH, h: 56 }, dark)).toBeGreaterThan(1000);
  });

  it('keeps every non-zero bar visible, at least 1 px wide and tall, over 7 days', () => {
    // One message against a busy hour of 1000 is well under a pixel of height; it must still show.
    const week = hours(Date.UTC(2026, 10, 17, 9), 168, (hour, i) => ({
      inbound: hour === 3 ? 0 : 1 + (i % 3),
      outbound: i === 60 ? 1000 : 10,
      failed: i === 100 || i === 167 ? 1 : 0,
    }));
    const png = decode(renderTrafficChart(week, { title: 'SMS per hour, last 7 days, all numbers' }));
    expectBarsAsLaid(png, week, chartLayout(week, WIDTH, HEIGHT));
  });

  it('draws a period without traffic as an empty chart saying so', () => {
    const quiet = hours(Date.UTC(2026, 10, 24, 9), 25, () => ({ inbound: 0, outbound: 0, failed: 0 }));
    const png = decode(renderTrafficChart(quiet, { title: 'nothing' }));
    const { plot, yMax } = chartLayout(quiet, WIDTH, HEIGHT);
    expect(yMax).toBe(0);
    for (const series of SERIES) expect(count(png, plot, rgb(CHART_COLOURS[series]))).toBe(0);
    const middle = { x: plot.x, y: plot.y + Math.floor(plot.h / 2) - 20, w: plot.w, h: 40 };
    expect(middle.w * middle.h - count(png, middle, WHITE)).toBeGreaterThan(500); // the note, in the middle
    expect(trafficChartSvg(quiet, { title: 'nothing', width: WIDTH, height: HEIGHT })).toContain('No traffic in this period');
    expect(decode(renderTrafficChart([], { title: 'no hours at all' })).width).toBe(WIDTH);
  });

  it('keeps a long title inside a narrow chart', () => {
    const title = 'SMS per hour, last 7 days, (415) 555-0100, a title far longer than this chart is wide';
    const png = decode(renderTrafficChart(known, { title, width: 420, height: 220 }));
    expect([png.width, png.height]).toEqual([420, 220]);
    expect(count(png, { x: 420 - 10, y: 0, w: 10, h: 30 }, WHITE)).toBe(10 * 30);
    expect(count(png, { x: 0, y: 0, w: 420, h: 30 }, dark)).toBeGreaterThan(100);
  });

  it('renders a realistic day the same way twice (WRITE_CHART_SAMPLE=1 keeps it in /tmp/traffic-chart-sample.png)', () => {
    const office = (hour: number) => hour >= 8 && hour <= 18;
    const day = hours(Date.UTC(2026, 10, 24, 9), 25, (hour) => ({
      inbound: office(hour) ? 6 + (hour % 4) : 1 + (hour % 2),
      outbound: office(hour) ? 30 + ((hour * 7) % 19) : hour % 3,
      failed: hour === 14 ? 21 : hour % 5 === 0 ? 1 : 0,
    }));
    const title = 'SMS per hour, last 24 hours, all numbers';
    const png = renderTrafficChart(day, { title });
    if (process.env.WRITE_CHART_SAMPLE) writeFileSync('/tmp/traffic-chart-sample.png', png);
    expect(renderTrafficChart(day, { title }).equals(png)).toBe(true);
    const decoded = decode(png);
    expect(decoded.width).toBe(WIDTH);
    // The failure burst at 14:00 is the tallest failed bar of the day, and it is there in the pixels.
    const layout = chartLayout(day, WIDTH, HEIGHT);
    const failed = layout.bars.map((b) => b.failed.h);
    expect(failed.indexOf(Math.max(...failed))).toBe(5);
    const burst = layout.bars[5]?.failed;
    if (!burst) throw new Error('no bar at 14:00');
    expect(count(decoded, burst, rgb(CHART_COLOURS.failed))).toBe(burst.w * burst.h);
  });
});
