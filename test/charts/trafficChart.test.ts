import { writeFileSync } from 'node:fs';
import { deflateSync, inflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { Canvas, type Rgb } from '../../src/charts/canvas.js';
import { crc32, encodePng, PNG_SIGNATURE } from '../../src/charts/png.js';
import {
  CHART_COLOURS,
  chartLayout,
  type HourPoint,
  type Rect,
  renderTrafficChart,
  SERIES,
  yAxisScale,
} from '../../src/charts/trafficChart.js';
import { type DecodedPng, decodePng, readPngChunks } from '../helpers/png.js';

const HOUR = 3_600_000;
const hours = (start: number, n: number, value: (hour: number, i: number) => Omit<HourPoint, 'hourStart'>): HourPoint[] =>
  Array.from({ length: n }, (_, i) => ({ hourStart: start + i * HOUR, ...value(new Date(start + i * HOUR).getUTCHours(), i) }));

const WHITE: Rgb = [255, 255, 255];
const same = (a: readonly number[], b: readonly number[]) => a.every((v, k) => v === b[k]);

/** How many pixels of `rect` have exactly colour `rgb`. */
function count(png: DecodedPng, rect: Rect, rgb: Rgb): number {
  let n = 0;
  for (let y = rect.y; y < rect.y + rect.h; y++)
    for (let x = rect.x; x < rect.x + rect.w; x++) if (same(png.pixel(x, y), rgb)) n++;
  return n;
}

/** The height in pixels of the run of `rgb` standing on the plot's bottom edge at column x: a bar as a person sees it. */
function barHeightAt(png: DecodedPng, x: number, plotBottom: number, rgb: Rgb): number {
  let h = 0;
  while (plotBottom - 1 - h >= 0 && same(png.pixel(x, plotBottom - 1 - h), rgb)) h++;
  return h;
}

/** In every hour's slot, the pixels of each series colour are exactly that series' bar: all of it, nothing else. */
function expectBarsAsLaid(png: DecodedPng, points: readonly HourPoint[], layout: ReturnType<typeof chartLayout>): void {
  for (const [i, point] of points.entries()) {
    for (const series of SERIES) {
      const bar = layout.bars[i]?.[series];
      const slot = layout.slots[i];
      if (!bar || !slot) throw new Error(`no layout for hour ${i}`);
      const where = `${series} at hour ${i}`;
      if (point[series] > 0) {
        expect(bar.w * bar.h, where).toBeGreaterThanOrEqual(1);
        expect(count(png, bar, CHART_COLOURS[series]), where).toBe(bar.w * bar.h);
      }
      expect(count(png, slot, CHART_COLOURS[series]), where).toBe(point[series] > 0 ? bar.w * bar.h : 0);
    }
  }
}

/** The test's own PNG writer, to feed the decoder rows with filter types the chart never writes. */
function pngWithRows(width: number, height: number, channels: 3 | 4, rows: Buffer[]): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const out = Buffer.alloc(body.length + 8);
    out.writeUInt32BE(data.length, 0);
    body.copy(out, 4);
    out.writeUInt32BE(crc32(body), body.length + 4);
    return out;
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 8;
  header[9] = channels === 4 ? 6 : 2;
  return Buffer.concat([
    PNG_SIGNATURE,
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(Buffer.concat(rows))),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

describe('PNG encoding', () => {
  // A 3×2 image with distinct values in every channel, so a swapped channel or row shows.
  const rgba = Uint8Array.from([
    255, 0, 0, 255, 0, 255, 0, 255, 0, 0, 255, 255, 1, 2, 3, 255, 250, 251, 252, 255, 9, 99, 199, 255,
  ]);

  it('writes the signature, IHDR, IDAT and IEND with valid CRCs, and zlib inflates IDAT into the rows', () => {
    const png = encodePng(3, 2, rgba);
    expect(png.subarray(0, 8)).toEqual(Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]));
    expect(crc32(Buffer.from('123456789'))).toBe(0xcbf43926); // the CRC-32 check value
    const chunks = readPngChunks(png);
    expect(chunks.map((c) => c.type)).toEqual(['IHDR', 'IDAT', 'IEND']);
    const header = chunks[0]?.data ?? Buffer.alloc(0);
    expect([header.readUInt32BE(0), header.readUInt32BE(4), header[8], header[9]]).toEqual([3, 2, 8, 2]);
    const rows = inflateSync(chunks[1]?.data ?? Buffer.alloc(0));
    expect([...rows]).toEqual([0, 255, 0, 0, 0, 255, 0, 0, 0, 255, 0, 1, 2, 3, 250, 251, 252, 9, 99, 199]);
    expect(decodePng(png).rgba).toEqual(rgba);
  });

  it('is rejected by the decoder when a byte is corrupted or the signature is wrong', () => {
    const png = encodePng(3, 2, rgba);
    const corrupted = Buffer.from(png);
    const idatData = png.indexOf('IDAT') + 4;
    corrupted[idatData + 2] = (corrupted[idatData + 2] ?? 0) ^ 0xff;
    expect(() => decodePng(corrupted)).toThrow(/bad CRC in IDAT/);
    expect(() => decodePng(Buffer.from('not a png at all'))).toThrow(/signature/);
    expect(() => decodePng(png.subarray(0, png.length - 12))).toThrow(/no IEND/);
    expect(() => encodePng(3, 2, new Uint8Array(5))).toThrow(RangeError);
  });

  it('decodes rows written with every filter type (0 to 4), RGB and RGBA', () => {
    // 2×5 RGB: row y has filter y; all pixels are known, so the predictions can be computed by hand.
    const pixels = [
      [10, 20, 30, 40, 50, 60],
      [15, 25, 35, 45, 55, 65],
      [100, 110, 120, 130, 140, 150],
      [200, 190, 180, 170, 160, 150],
      [5, 250, 7, 240, 9, 230],
    ];
    const at = (y: number, x: number) => (y >= 0 && x >= 0 ? (pixels[y]?.[x] ?? 0) : 0);
    const paeth = (a: number, b: number, c: number) => {
      const p = a + b - c;
      const [pa, pb, pc] = [Math.abs(p - a), Math.abs(p - b), Math.abs(p - c)];
      return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
    };
    const rows = pixels.map((row, y) =>
      Buffer.from([
        y,
        ...row.map((v, x) => {
          const [a, b, c] = [at(y, x - 3), at(y - 1, x), at(y - 1, x - 3)];
          const predictor = [0, a, b, Math.floor((a + b) / 2), paeth(a, b, c)][y] ?? 0;
          return (v - predictor) & 0xff;
        }),
      ]),
    );
    const decoded = decodePng(pngWithRows(2, 5, 3, rows));
    expect([...decoded.rgba].filter((_, i) => i % 4 !== 3)).toEqual(pixels.flat());

    const rgbaPng = decodePng(pngWithRows(1, 1, 4, [Buffer.from([0, 1, 2, 3, 128])]));
    expect([...rgbaPng.rgba]).toEqual([1, 2, 3, 128]);
  });
});

describe('canvas', () => {
  it('draws lines end to end, thick lines evenly around their centre', () => {
    const canvas = new Canvas(20, 20);
    const red: Rgb = [200, 0, 0];
    canvas.line(2, 2, 17, 12, red);
    canvas.line(2, 16, 17, 16, red, 3);
    const png = decodePng(canvas.toPng());
    expect(png.pixel(2, 2)).toEqual([200, 0, 0]);
    expect(png.pixel(17, 12)).toEqual([200, 0, 0]);
    // A Bresenham line has exactly one pixel per step along its long axis.
    expect(count(png, { x: 0, y: 0, w: 20, h: 14 }, red)).toBe(16);
    // The thick line is 3 rows deep; its square ends reach one pixel past each end point.
    expect(count(png, { x: 0, y: 15, w: 20, h: 3 }, red)).toBe(18 * 3);
    expect(count(png, { x: 0, y: 14, w: 20, h: 1 }, red) + count(png, { x: 0, y: 18, w: 20, h: 1 }, red)).toBe(0);
  });
});

describe('traffic chart', () => {
  /** The brief's known series: a failure spike at 05:00, inbound only at 10:00, office-hours outbound. */
  const known = hours(Date.UTC(2026, 10, 24, 0), 24, (hour) => ({
    inbound: hour === 10 ? 25 : 0,
    outbound: hour >= 8 && hour <= 17 ? 10 + hour : 0,
    failed: hour === 5 ? 40 : hour === 12 ? 4 : 0,
  }));

  it('draws each bar where the layout says, in its series colour, with nothing of that colour in empty hours', () => {
    const png = decodePng(renderTrafficChart(known, { title: 'SMS per hour, last 24 hours, all numbers' }));
    expect([png.width, png.height]).toEqual([900, 360]);
    expectBarsAsLaid(png, known, chartLayout(known, 900, 360));
  });

  it('makes bar heights proportional to the values on a round y axis', () => {
    const png = decodePng(renderTrafficChart(known, { title: 'proportions' }));
    const { plot, bars, yMax } = chartLayout(known, 900, 360);
    expect(yMax).toBe(40);
    const bottom = plot.y + plot.h;
    const seen = (i: number, series: (typeof SERIES)[number]) => {
      const bar = bars[i]?.[series];
      if (!bar) throw new Error(`no bar for hour ${i}`);
      return barHeightAt(png, bar.x + Math.floor(bar.w / 2), bottom, CHART_COLOURS[series]);
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

  it('shows a legend with each series colour above the plot', () => {
    const png = decodePng(renderTrafficChart(known, { title: 'legend' }));
    const { plot } = chartLayout(known, 900, 360);
    const header = { x: 0, y: 0, w: 900, h: plot.y };
    for (const series of SERIES) expect(count(png, header, CHART_COLOURS[series]), series).toBeGreaterThanOrEqual(81);
  });

  it('keeps every non-zero bar visible, at least 1 px wide and tall, over 7 days', () => {
    // One message against a busy hour of 1000 is well under a pixel of height; it must still show.
    const week = hours(Date.UTC(2026, 10, 17, 9), 168, (hour, i) => ({
      inbound: hour === 3 ? 0 : 1 + (i % 3),
      outbound: i === 60 ? 1000 : 10,
      failed: i === 100 || i === 167 ? 1 : 0,
    }));
    const png = decodePng(renderTrafficChart(week, { title: 'SMS per hour, last 7 days, all numbers' }));
    expectBarsAsLaid(png, week, chartLayout(week, 900, 360));
  });

  it('draws a period without traffic as an empty chart saying so', () => {
    const quiet = hours(Date.UTC(2026, 10, 24, 9), 25, () => ({ inbound: 0, outbound: 0, failed: 0 }));
    const png = decodePng(renderTrafficChart(quiet, { title: 'nothing' }));
    const { plot, yMax } = chartLayout(quiet, 900, 360);
    expect(yMax).toBe(0);
    for (const series of SERIES) expect(count(png, plot, CHART_COLOURS[series])).toBe(0);
    const middle = { x: plot.x, y: plot.y + Math.floor(plot.h / 2) - 10, w: plot.w, h: 20 };
    expect(middle.w * middle.h - count(png, middle, WHITE)).toBeGreaterThan(100); // the "no traffic" note
    expect(() => decodePng(renderTrafficChart([], { title: 'no hours at all' }))).not.toThrow();
  });

  it('keeps a long title inside a narrow chart', () => {
    const title = 'SMS per hour, last 7 days, (415) 555-0100, a title far longer than this chart is wide';
    const png = decodePng(renderTrafficChart(known, { title, width: 420, height: 220 }));
    expect([png.width, png.height]).toEqual([420, 220]);
    expect(count(png, { x: 420 - 15, y: 0, w: 15, h: 40 }, WHITE)).toBe(15 * 40);
  });

  it('renders a realistic day (WRITE_CHART_SAMPLE=1 keeps it in /tmp/traffic-chart-sample.png to look at)', () => {
    const office = (hour: number) => hour >= 8 && hour <= 18;
    const day = hours(Date.UTC(2026, 10, 24, 9), 25, (hour) => ({
      inbound: office(hour) ? 6 + (hour % 4) : 1 + (hour % 2),
      outbound: office(hour) ? 30 + ((hour * 7) % 19) : hour % 3,
      failed: hour === 14 ? 21 : hour % 5 === 0 ? 1 : 0,
    }));
    const png = renderTrafficChart(day, { title: 'SMS per hour, last 24 hours, all numbers' });
    if (process.env.WRITE_CHART_SAMPLE) writeFileSync('/tmp/traffic-chart-sample.png', png);
    const decoded = decodePng(png);
    expect(decoded.width).toBe(900);
    // The failure burst at 14:00 is the tallest failed bar of the day.
    const layout = chartLayout(day, 900, 360);
    const failed = layout.bars.map((b) => b.failed.h);
    expect(failed.indexOf(Math.max(...failed))).toBe(5);
  });
});
