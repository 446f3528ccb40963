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

/** Blue, bluish green, vermilion (Okabe–Ito): told apart with the common colour-vision deficiencies. */
export const CHART_COLOURS = {
  inbound: [0, 114, 178],
  outbound: [0, 158, 115],
  failed: [213, 94, 0],
} as const satisfies Record<Series, Rgb>;

const INK: Rgb = [40, 40, 40];
const MUTED: Rgb = [110, 110, 110];
const GRID: Rgb = [226, 226, 226];

export interface Rect {
  x: number;
  y: number;
  w: number;
  h: number;
}

export interface ChartLayout {
  /** Where bars may be drawn; the axes run just outside it (left and below). */
  plot: Rect;
  /** The top of the y axis: a round number at or above the largest value, 0 when there is no traffic. */
  yMax: number;
  /** The distance between labelled grid lines; yMax is 2 to 4 of these (0 when there is no traffic). */
  yStep: number;
  /** Per point, the full-height column of the plot that belongs to its hour; its bars lie inside. */
  slots: Rect[];
  /** Per point, per series: its bar, bottom-aligned in the plot (h = 0 when the value is 0). */
  bars: Array<Record<Series, Rect>>;
}

const MARGIN = { left: 56, right: 16, top: 44, bottom: 36 };
/** Bars wider than this look like blocks, not a time series (the 1-hour report has just two points). */
const MAX_BAR_WIDTH = 18;
const HOUR_MS = 3_600_000;

/**
 * A y axis people read at a glance: a step of 1, 2, 2.5 or 5 times a power of ten (whole messages, so at least 1),
 * the smallest for which 4 steps reach the largest value; the axis ends on the first step at or above it.
 */
export function yAxisScale(largest: number): { max: number; step: number } {
  if (!(largest > 0) || !Number.isFinite(largest)) return { max: 0, step: 0 };
  for (let power = 1; ; power *= 10) {
    for (const factor of power === 1 ? [1, 2, 5] : [1, 2, 2.5, 5]) {
      const step = factor * power;
      const steps = Math.ceil(largest / step);
      if (steps <= 4) return { max: step * Math.max(2, steps), step };
    }
  }
}

/** Where everything goes; pure, so a test can check the pixels of each bar. */
export function chartLayout(points: readonly HourPoint[], width: number, height: number): ChartLayout {
  const plot: Rect = {
    x: MARGIN.left,
    y: MARGIN.top,
    w: Math.max(1, width - MARGIN.left - MARGIN.right),
    h: Math.max(1, height - MARGIN.top - MARGIN.bottom),
  };
  const largest = Math.max(0, ...points.flatMap((p) => SERIES.map((s) => p[s])));
  const { max: yMax, step: yStep } = yAxisScale(largest);
  const slot = plot.w / Math.max(1, points.length);
  // Three bars side by side per hour, with a gap between hours while there is room for one; never under 1 px.
  const barW = Math.min(MAX_BAR_WIDTH, Math.max(1, Math.floor((slot * (slot >= 6 ? 0.8 : 1)) / 3)));
  const slots = points.map((_, i): Rect => {
    const left = Math.floor(plot.x + i * slot);
    return { x: left, y: plot.y, w: Math.floor(plot.x + (i + 1) * slot) - left, h: plot.h };
  });
  const bars = points.map((p, i) => {
    const left = Math.floor(plot.x + i * slot + (slot - barW * SERIES.length) / 2);
    const bar = (k: number): Rect => {
      const value = p[SERIES[k] ?? 'inbound'];
      // A single message at the top of a tall axis still gets its pixel: "some" must never look like "none".
      const h = yMax === 0 || !(value > 0) ? 0 : Math.min(plot.h, Math.max(1, Math.round((value / yMax) * plot.h)));
      return { x: left + k * barW, y: plot.y + plot.h - h, w: barW, h };
    };
    return { inbound: bar(0), outbound: bar(1), failed: bar(2) };
  });
  return { plot, yMax, yStep, slots, bars };
}

const two = (n: number) => String(n).padStart(2, '0');

/** The text cut (with "...") to fit `maxWidth` pixels. */
function fitText(text: string, maxWidth: number, scale: number): string {
  if (Canvas.textWidth(text, scale) <= maxWidth) return text;
  const chars = [...text];
  while (chars.length > 0 && Canvas.textWidth(`${chars.join('')}...`, scale) > maxWidth) chars.pop();
  return `${chars.join('').trimEnd()}...`;
}

const LEGEND_SWATCH = 9;
const legendWidth = () => SERIES.reduce((w, s) => w + LEGEND_SWATCH + 5 + Canvas.textWidth(s), 0) + 14 * (SERIES.length - 1);

function drawLegend(canvas: Canvas, right: number, top: number): void {
  let x = right - legendWidth();
  for (const series of SERIES) {
    canvas.fillRect(x, top - 1, LEGEND_SWATCH, LEGEND_SWATCH, CHART_COLOURS[series]);
    x += LEGEND_SWATCH + 5;
    x += canvas.text(x, top, series, INK) + 14;
  }
}

/** The title (large when it fits) and the legend: beside the title when both fit on one line, under it otherwise. */
function drawHeader(canvas: Canvas, title: string): void {
  const left = 16;
  const right = canvas.width - MARGIN.right;
  const room = right - left;
  const besideLegend = room - legendWidth() - 24;
  if (Canvas.textWidth(title, 2) <= besideLegend) {
    canvas.text(left, 10, title, INK, 2);
    drawLegend(canvas, right, 17);
    return;
  }
  const scale = Canvas.textWidth(title, 2) <= room ? 2 : 1;
  canvas.text(left, scale === 2 ? 8 : 12, fitText(title, room, scale), INK, scale);
  drawLegend(canvas, right, 30);
}

function drawYAxis(canvas: Canvas, { plot, yMax, yStep }: ChartLayout): void {
  const ticks = yMax === 0 ? [0] : Array.from({ length: yMax / yStep + 1 }, (_, k) => k * yStep);
  for (const value of ticks) {
    const y = plot.y + plot.h - (yMax === 0 ? 0 : Math.round((value / yMax) * plot.h));
    if (value > 0) canvas.line(plot.x, y, plot.x + plot.w - 1, y, GRID);
    const label = String(value);
    canvas.text(plot.x - 8 - Canvas.textWidth(label), y - 3, label, MUTED);
  }
}

/** Hour labels as far apart as they must be to stay legible, on whole divisors of a day; the date where a day starts. */
function drawXAxis(canvas: Canvas, points: readonly HourPoint[], { plot, slots }: ChartLayout): void {
  const slot = plot.w / Math.max(1, points.length);
  const every = [1, 2, 3, 4, 6, 12, 24].find((k) => k * slot >= Canvas.textWidth('00:00') + 12) ?? 24;
  const below = plot.y + plot.h + 1;
  let dated = false;
  points.forEach((p, i) => {
    const date = new Date(Math.floor(p.hourStart / HOUR_MS) * HOUR_MS);
    const hour = date.getUTCHours();
    const column = slots[i];
    if (hour % every !== 0 || !column) return;
    const x = column.x + Math.floor(column.w / 2);
    canvas.line(x, below, x, below + 2, INK);
    const label = `${two(hour)}:00`;
    canvas.text(x - Math.floor(Canvas.textWidth(label) / 2), below + 6, label, MUTED);
    if (hour === 0 || !dated) {
      dated = true;
      const day = `${two(date.getUTCMonth() + 1)}-${two(date.getUTCDate())}`;
      canvas.text(x - Math.floor(Canvas.textWidth(day) / 2), below + 17, day, INK);
    }
  });
  // Left of the first hour label, under the y labels: the one place no date or hour label can reach.
  canvas.text(plot.x - 8 - Canvas.textWidth('UTC'), below + 6, 'UTC', MUTED);
}

/** A PNG of inbound, outbound and failed SMS per hour (UTC), with axes, labels, a legend and the title. */
export function renderTrafficChart(
  points: readonly HourPoint[],
  options: { title: string; width?: number; height?: number },
): Buffer {
  const canvas = new Canvas(options.width ?? 900, options.height ?? 360);
  const layout = chartLayout(points, canvas.width, canvas.height);
  const { plot } = layout;

  drawHeader(canvas, options.title);
  // Grid first, bars over it, then the axes along the plot's outside edges so they never cover a bar.
  drawYAxis(canvas, layout);
  for (const group of layout.bars) {
    for (const series of SERIES) {
      const bar = group[series];
      if (bar.h > 0) canvas.fillRect(bar.x, bar.y, bar.w, bar.h, CHART_COLOURS[series]);
    }
  }
  canvas.line(plot.x - 1, plot.y, plot.x - 1, plot.y + plot.h, INK);
  canvas.line(plot.x - 1, plot.y + plot.h, plot.x + plot.w - 1, plot.y + plot.h, INK);
  drawXAxis(canvas, points, layout);

  if (layout.yMax === 0) {
    const note = 'no traffic in this period';
    const scale = Canvas.textWidth(note, 2) <= plot.w ? 2 : 1;
    const x = plot.x + Math.floor((plot.w - Canvas.textWidth(note, scale)) / 2);
    canvas.text(x, plot.y + Math.floor((plot.h - Canvas.capHeight(scale)) / 2), note, MUTED, scale);
  }
  return canvas.toPng();
}
