import { Canvas, type Rgb } from './canvas.js';

export interface HourPoint {
  /** Start of the UTC hour, epoch ms. */
  hourStart: number;
  inbound: number;
  outbound: number;
  failed: number;
}

export const SERIES = ['inbound', 'outbound', 'failed'] as const;
export type Series = (typeof SERIES)[number];

/** Blue, green, vermilion: told apart with the common colour-vision deficiencies (Okabe–Ito palette). */
export const CHART_COLOURS: Record<Series, Rgb> = {
  inbound: [0, 114, 178],
  outbound: [0, 158, 115],
  failed: [213, 94, 0],
};
const INK: Rgb = [40, 40, 40];
const GRID: Rgb = [225, 225, 225];
const MUTED: Rgb = [120, 120, 120];

export interface Rect {
  x: number;
  y: number;
  w: number;
  h: number;
}

export interface ChartLayout {
  plot: Rect;
  /** The top of the y axis: a round number at or above the largest value (0 when there is no traffic). */
  yMax: number;
  /** Per point, per series: its bar (h = 0 when the value is 0). */
  bars: Array<Record<Series, Rect>>;
}

/** 1, 2 or 5 times a power of ten, at or above `value`: axis labels people read at a glance. */
function roundUp(value: number): number {
  if (value <= 0) return 0;
  const power = 10 ** Math.floor(Math.log10(value));
  for (const step of [1, 2, 5, 10]) if (step * power >= value) return Math.max(step * power, 4);
  return 10 * power;
}

/** Where everything goes; pure, so a test can check the pixels of each bar. */
export function chartLayout(points: readonly HourPoint[], width: number, height: number): ChartLayout {
  const plot: Rect = { x: 56, y: 44, w: width - 56 - 16, h: height - 44 - 36 };
  const yMax = roundUp(Math.max(0, ...points.flatMap((p) => [p.inbound, p.outbound, p.failed])));
  const slot = plot.w / Math.max(1, points.length);
  // Three bars per hour, side by side, with a gap between hours while there is room for one.
  const barW = Math.max(1, Math.floor((slot * (slot >= 6 ? 0.8 : 1)) / 3));
  const bars = points.map((p, i) => {
    const left = Math.floor(plot.x + i * slot + (slot - barW * 3) / 2);
    const bar = (value: number, k: number): Rect => {
      const h = yMax === 0 || value <= 0 ? 0 : Math.max(1, Math.round((value / yMax) * plot.h));
      return { x: left + k * barW, y: plot.y + plot.h - h, w: barW, h };
    };
    return { inbound: bar(p.inbound, 0), outbound: bar(p.outbound, 1), failed: bar(p.failed, 2) };
  });
  return { plot, yMax, bars };
}

const two = (n: number) => String(n).padStart(2, '0');

/** A PNG of inbound, outbound and failed SMS per hour (UTC), with axes, labels, a legend and the title. */
export function renderTrafficChart(
  points: readonly HourPoint[],
  options: { title: string; width?: number; height?: number },
): Buffer {
  const width = options.width ?? 900;
  const height = options.height ?? 360;
  const canvas = new Canvas(width, height);
  const { plot, yMax, bars } = chartLayout(points, width, height);

  canvas.text(plot.x, 12, options.title, INK, 2);
  let legendX = width - 16 - SERIES.reduce((w, s) => w + 14 + Canvas.textWidth(s) + 16, 0);
  for (const series of SERIES) {
    canvas.fillRect(legendX, 32, 10, 7, CHART_COLOURS[series]);
    legendX += 14 + canvas.text(legendX + 14, 32, series, INK) + 16;
  }

  // Horizontal grid with labels, then the bars over it, then the axes.
  const steps = 4;
  for (let i = 0; i <= steps; i++) {
    const y = Math.round(plot.y + plot.h - (i / steps) * plot.h);
    if (i > 0) canvas.hLine(plot.x, plot.x + plot.w, y, GRID);
    const label = yMax === 0 ? (i === 0 ? '0' : '') : String(Math.round((yMax * i) / steps));
    canvas.text(plot.x - 8 - Canvas.textWidth(label), y - 3, label, MUTED);
  }
  bars.forEach((group) => {
    for (const series of SERIES) {
      const bar = group[series];
      if (bar.h > 0) canvas.fillRect(bar.x, bar.y, bar.w, bar.h, CHART_COLOURS[series]);
    }
  });
  canvas.hLine(plot.x, plot.x + plot.w, plot.y + plot.h, INK);
  canvas.vLine(plot.x, plot.y, plot.y + plot.h, INK);

  // Hour labels as far apart as they need to be to stay legible; the date where a day starts.
  const slot = plot.w / Math.max(1, points.length);
  const every = [1, 2, 3, 4, 6, 12, 24].find((k) => k * slot >= 40) ?? 24;
  let dated = false;
  points.forEach((p, i) => {
    const date = new Date(p.hourStart);
    const hour = date.getUTCHours();
    if (hour % every !== 0) return;
    const x = Math.round(plot.x + i * slot + slot / 2);
    canvas.vLine(x, plot.y + plot.h + 1, plot.y + plot.h + 3, INK);
    const label = `${two(hour)}:00`;
    canvas.text(x - Math.floor(Canvas.textWidth(label) / 2), plot.y + plot.h + 7, label, MUTED);
    if (hour === 0 || !dated) {
      dated = true;
      const day = `${two(date.getUTCMonth() + 1)}-${two(date.getUTCDate())}`;
      canvas.text(x - Math.floor(Canvas.textWidth(day) / 2), plot.y + plot.h + 18, day, INK);
    }
  });
  if (yMax === 0) {
    const note = 'no traffic in this period';
    canvas.text(
      plot.x + Math.floor((plot.w - Canvas.textWidth(note, 2)) / 2),
      plot.y + Math.floor(plot.h / 2) - 7,
      note,
      MUTED,
      2,
    );
  }
  canvas.text(width - 16 - Canvas.textWidth('UTC'), height - 12, 'UTC', MUTED);
  return canvas.toPng();
}
