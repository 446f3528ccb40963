import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { DESIGN, type HourPoint } from './chartLayout.js';
import { CHART_FONT_FAMILY, trafficChartSvg } from './trafficChartSvg.js';

/** The fonts shipped with smsops (see assets/fonts/LICENSE); system fonts are never read, so every host draws alike. */
const FONT_FILES = ['DejaVuSans.ttf', 'DejaVuSans-Bold.ttf'].map((name) =>
  fileURLToPath(new URL(`../../assets/fonts/${name}`, import.meta.url)),
);

type ResvgModule = typeof import('@resvg/resvg-js');
let resvgModule: ResvgModule | undefined;
// Loaded on the first chart, not at start: the renderer's native library starts its own threads and holds memory
// that a process which never draws a chart (most hours of most days) would carry for nothing. A require keeps this
// function synchronous for its callers.
const loadResvg = (): ResvgModule => {
  resvgModule ??= createRequire(import.meta.url)('@resvg/resvg-js') as ResvgModule;
  return resvgModule;
};

/** A PNG of inbound, outbound and failed SMS per hour (hours in the team's zone), with axes, labels, a legend and the title. */
export function renderTrafficChart(
  points: readonly HourPoint[],
  options: { title: string; width?: number; height?: number; timeZone?: string },
): Buffer {
  const width = options.width ?? DESIGN.width;
  const height = options.height ?? DESIGN.height;
  const svg = trafficChartSvg(points, {
    title: options.title,
    width,
    height,
    ...(options.timeZone ? { timeZone: options.timeZone } : {}),
  });
  const { Resvg } = loadResvg();
  const resvg = new Resvg(svg, {
    fitTo: { mode: 'width', value: width },
    font: { loadSystemFonts: false, fontFiles: FONT_FILES, defaultFontFamily: CHART_FONT_FAMILY },
  });
  return resvg.render().asPng();
}
