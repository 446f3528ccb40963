import { wallAt } from '../core/zoneClock.js';
import { CHART_COLOURS, type ChartLayout, chartLayout, type HourPoint, SERIES, SERIES_LABELS } from './chartLayout.js';

/** The family of the font shipped in assets/fonts; the renderer loads no other. */
export const CHART_FONT_FAMILY = 'DejaVu Sans';

const INK = '#282828';
const MUTED = '#5f5f5f';
const GRID = '#e2e2e2';
const HOUR_MS = 3_600_000;

const SIZE = { title: 30, legend: 20, tick: 17, caption: 16, empty: 28 };
const SIDE = 24;

/** Characters XML 1.0 forbids (controls, lone surrogates, U+FFFE/FFFF) would make the whole SVG unreadable. */
const NOT_XML = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;

/** Text as SVG character data or an attribute value: whatever a label holds stays text. */
export function escapeXml(text: string): string {
  return text
    .replace(NOT_XML, '\uFFFD')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

/**
 * A width in pixels at or above what DejaVu Sans needs for `text` (advances rounded up per kind of character);
 * there is no text measurement before rendering, and overestimating only cuts a title a little early.
 */
export function estimateTextWidth(text: string, size: number, bold = false): number {
  let em = 0;
  for (const ch of text) {
    if (/[ .,:;'!|ijlIft()[\]]/.test(ch)) em += 0.4;
    else if (/[mwMW@%]/.test(ch)) em += 1.0;
    else if (/[A-Z]/.test(ch)) em += 0.8;
    else em += 0.64;
  }
  return Math.ceil(em * size * (bold ? 1.1 : 1));
}

/** The text cut (with an ellipsis) to fit `maxWidth` pixels. */
function fitText(text: string, maxWidth: number, size: number, bold: boolean): string {
  if (estimateTextWidth(text, size, bold) <= maxWidth) return text;
  const chars = [...text];
  while (chars.length > 0 && estimateTextWidth(`${chars.join('')}…`, size, bold) > maxWidth) chars.pop();
  return `${chars.join('').trimEnd()}…`;
}

const thousands = (n: number) => String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ',');

/** A count abbreviated: 250k, 1.5M, 2B. */
export function abbreviatedCount(value: number): string {
  for (const [unit, suffix] of [
    [1e9, 'B'],
    [1e6, 'M'],
    [1e3, 'k'],
  ] as const) {
    if (value >= unit) return `${thousands(Number((value / unit).toFixed(2)))}${suffix}`;
  }
  return String(value);
}

/**
 * The y axis labels: counts in full while the widest fits left of the axis, all abbreviated otherwise, so
 * "1,500,000" is never cut to "500,000" at the image's edge.
 */
function yTickLabels(ticks: readonly number[], room: number, size: number): string[] {
  const full = ticks.map(thousands);
  return full.every((label) => estimateTextWidth(label, size) <= room) ? full : ticks.map(abbreviatedCount);
}
const two = (n: number) => String(n).padStart(2, '0');

interface TextOptions {
  size: number;
  fill: string;
  anchor?: 'start' | 'middle' | 'end';
  bold?: boolean;
}

function text(x: number, y: number, content: string, o: TextOptions): string {
  const anchor = o.anchor && o.anchor !== 'start' ? ` text-anchor="${o.anchor}"` : '';
  const weight = o.bold ? ' font-weight="bold"' : '';
  return `<text x="${x}" y="${y}" font-size="${o.size}" fill="${o.fill}"${anchor}${weight}>${escapeXml(content)}</text>`;
}

const rect = (x: number, y: number, w: number, h: number, fill: string) =>
  `<rect x="${x}" y="${y}" width="${w}" height="${h}" fill="${fill}"/>`;

/** Design pixels (see DESIGN) at this chart's scale, whole. */
const scaled = (k: number) => (n: number) => Math.round(n * k);

function header(title: string, { width, scale }: ChartLayout): string[] {
  const u = scaled(scale);
  const [side, titleSize, legendSize] = [u(SIDE), u(SIZE.title), u(SIZE.legend)];
  const fitted = fitText(title, width - 2 * side, titleSize, true);
  const parts = [text(side, u(44), fitted, { size: titleSize, fill: INK, bold: true })];
  let x = side;
  for (const series of SERIES) {
    parts.push(rect(x, u(68), u(18), u(18), CHART_COLOURS[series]));
    parts.push(text(x + u(26), u(84), SERIES_LABELS[series], { size: legendSize, fill: INK }));
    x += u(26) + estimateTextWidth(SERIES_LABELS[series], legendSize) + u(24);
  }
  return parts;
}

function yAxis({ plot, yMax, yStep, scale }: ChartLayout): string[] {
  const u = scaled(scale);
  const ticks = yMax === 0 ? [0] : Array.from({ length: yMax / yStep + 1 }, (_, k) => k * yStep);
  const labels = yTickLabels(ticks, plot.x - u(12), u(SIZE.tick));
  return ticks.flatMap((value, i) => {
    const y = plot.y + plot.h - (yMax === 0 ? 0 : Math.round((value / yMax) * plot.h));
    const label = text(plot.x - u(12), y + u(6), labels[i] ?? '', { size: u(SIZE.tick), fill: MUTED, anchor: 'end' });
    return value > 0 ? [rect(plot.x, y, plot.w, 1, GRID), label] : [label];
  });
}

/** Hour labels as far apart as they must be to stay legible, on whole divisors of a day; the date where a day starts. */
function xAxis(points: readonly HourPoint[], { plot, slots, height, scale }: ChartLayout, zone = 'UTC'): string[] {
  const u = scaled(scale);
  const tick = { size: u(SIZE.tick), fill: MUTED, anchor: 'middle' } as const;
  const slot = plot.w / Math.max(1, points.length);
  const room = estimateTextWidth('00:00', tick.size) + u(14);
  const every = [1, 2, 3, 4, 6, 12, 24].find((k) => k * slot >= room) ?? 24;
  const below = plot.y + plot.h + 1;
  const parts: string[] = [];
  let dated = false;
  points.forEach((p, i) => {
    // The team's wall clock (a half-hour zone's hours start at :30); a daylight-saving change shows as an hour twice
    // or skipped, as on the team's own clocks.
    const start = Math.floor(p.hourStart / HOUR_MS) * HOUR_MS;
    const date = new Date(zone === 'UTC' ? start : wallAt(start, zone));
    const hour = date.getUTCHours();
    const minute = date.getUTCMinutes();
    const column = slots[i];
    if (hour % every !== 0 || !column) return;
    const x = column.x + Math.floor(column.w / 2);
    parts.push(rect(x, below, 1, u(5), INK));
    parts.push(text(x, below + u(24), `${two(hour)}:${two(minute)}`, tick));
    if (hour === 0 || !dated) {
      dated = true;
      const day = `${two(date.getUTCMonth() + 1)}-${two(date.getUTCDate())}`;
      parts.push(text(x, below + u(46), day, { ...tick, fill: INK, bold: true }));
    }
  });
  const caption = `Hour of day (${zone}) · messages per hour`;
  parts.push(text(plot.x + Math.floor(plot.w / 2), height - u(10), caption, { ...tick, size: u(SIZE.caption) }));
  return parts;
}

/**
 * The chart as an SVG document: inbound, outbound and failed SMS per hour, hours labelled in `timeZone` (the team's,
 * SCHEDULE_TIMEZONE; UTC when absent), with axes, labels, a legend and
 * the title. Pure, and every text in it escaped, so titles and labels can hold anything.
 */
export function trafficChartSvg(
  points: readonly HourPoint[],
  options: { title: string; width: number; height: number; timeZone?: string },
) {
  const { width, height } = options;
  const layout = chartLayout(points, width, height);
  const { plot } = layout;
  const u = scaled(layout.scale);
  const bars = layout.bars.flatMap((group) =>
    SERIES.filter((s) => group[s].h > 0).map((s) => rect(group[s].x, group[s].y, group[s].w, group[s].h, CHART_COLOURS[s])),
  );
  const empty =
    layout.yMax === 0
      ? [
          text(plot.x + Math.floor(plot.w / 2), plot.y + Math.floor(plot.h / 2) + u(10), 'No traffic in this period', {
            size: u(SIZE.empty),
            fill: MUTED,
            anchor: 'middle',
          }),
        ]
      : [];
  // Grid first, bars over it, then the axes along the plot's outside edges so they never cover a bar.
  const body = [
    rect(0, 0, width, height, '#ffffff'),
    ...header(options.title, layout),
    ...yAxis(layout),
    `<g shape-rendering="crispEdges">${bars.join('')}</g>`,
    rect(plot.x - 1, plot.y, 1, plot.h + 1, INK),
    rect(plot.x - 1, plot.y + plot.h, plot.w + 1, 1, INK),
    ...xAxis(points, layout, options.timeZone),
    ...empty,
  ];
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}"`,
    ` font-family="${CHART_FONT_FAMILY}" shape-rendering="crispEdges">`,
    ...body,
    '</svg>',
  ].join('\n');
}
