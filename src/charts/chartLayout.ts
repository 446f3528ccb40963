export interface HourPoint {
  /** Start of the UTC hour, epoch ms. */
  hourStart: number;
  inbound: number;
  outbound: number;
  failed: number;
}

export const SERIES = ['inbound', 'outbound', 'failed'] as const;
export type Series = (typeof SERIES)[number];

export const SERIES_LABELS: Record<Series, string> = { inbound: 'Inbound', outbound: 'Outbound', failed: 'Failed' };

/** Blue, bluish green, vermilion (Okabe–Ito): told apart with the common colour-vision deficiencies. */
export const CHART_COLOURS = {
  inbound: '#0072b2',
  outbound: '#009e73',
  failed: '#d55e00',
} as const satisfies Record<Series, string>;

export interface Rect {
  x: number;
  y: number;
  w: number;
  h: number;
}

export interface ChartLayout {
  width: number;
  height: number;
  /** Text and margins relative to the designed size (see chartScale). */
  scale: number;
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

/** The size the chart is drawn for; other sizes scale its text and margins (within limits, to stay legible). */
export const DESIGN = { width: 1200, height: 500 };

/** How much larger than designed the text and margins are drawn at this size: between 0.5 and 1.5. */
export function chartScale(width: number, height: number): number {
  return Math.min(1.5, Math.max(0.5, Math.min(width / DESIGN.width, height / DESIGN.height)));
}

/** Room for the title and legend above the plot, the count labels left of it, hours, dates and a caption below. */
const MARGIN = { left: 84, right: 28, top: 112, bottom: 84 };
/** Bars wider than this look like blocks, not a time series (the 1-hour report has just two points). */
const MAX_BAR_WIDTH = 24;

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

/** Where everything goes, on whole pixels, so a test can find each bar's pixels in the rendered image. */
export function chartLayout(points: readonly HourPoint[], width: number, height: number): ChartLayout {
  const k = chartScale(width, height);
  const [left, right, top, bottom] = [MARGIN.left, MARGIN.right, MARGIN.top, MARGIN.bottom].map((m) => Math.round(m * k));
  const plot: Rect = {
    x: left ?? 0,
    y: top ?? 0,
    w: Math.max(1, width - (left ?? 0) - (right ?? 0)),
    h: Math.max(1, height - (top ?? 0) - (bottom ?? 0)),
  };
  const largest = Math.max(0, ...points.flatMap((p) => SERIES.map((s) => p[s])));
  const { max: yMax, step: yStep } = yAxisScale(largest);
  const slot = plot.w / Math.max(1, points.length);
  // Three bars side by side per hour, with a gap between hours while that leaves bars of 3 px; never under 1 px.
  const barW = Math.min(Math.round(MAX_BAR_WIDTH * k), Math.max(1, Math.floor((slot * (slot >= 12 ? 0.8 : 1)) / 3)));
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
  return { width, height, scale: k, plot, yMax, yStep, slots, bars };
}
