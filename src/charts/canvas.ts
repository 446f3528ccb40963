import { GLYPH_DESCENT, GLYPH_HEIGHT, GLYPH_WIDTH, glyphPixels } from './font.js';
import { encodePng } from './png.js';

export type Rgb = readonly [number, number, number];

/** A small opaque RGBA raster with just what the charts draw: rectangles, lines and bitmap text. */
export class Canvas {
  readonly pixels: Uint8Array;

  constructor(
    readonly width: number,
    readonly height: number,
    background: Rgb = [255, 255, 255],
  ) {
    this.pixels = new Uint8Array(width * height * 4);
    this.fill(background);
  }

  /** Off-canvas pixels are ignored, so callers can draw near the edges without clipping first. */
  setPixel(x: number, y: number, [r, g, b]: Rgb): void {
    if (x < 0 || y < 0 || x >= this.width || y >= this.height) return;
    const i = (Math.floor(y) * this.width + Math.floor(x)) * 4;
    this.pixels[i] = r;
    this.pixels[i + 1] = g;
    this.pixels[i + 2] = b;
    this.pixels[i + 3] = 255;
  }

  fill(colour: Rgb): void {
    this.fillRect(0, 0, this.width, this.height, colour);
  }

  /** Covers the pixels x ≤ px < x + w, y ≤ py < y + h (fractions floored). */
  fillRect(x: number, y: number, w: number, h: number, colour: Rgb): void {
    const right = Math.min(this.width, Math.floor(x + w));
    const bottom = Math.min(this.height, Math.floor(y + h));
    for (let py = Math.max(0, Math.floor(y)); py < bottom; py++) {
      for (let px = Math.max(0, Math.floor(x)); px < right; px++) this.setPixel(px, py, colour);
    }
  }

  /**
   * A line from (x0, y0) to (x1, y1), both ends included (Bresenham). With `thickness` > 1 every point becomes a
   * square of that side centred on the line, so a horizontal or vertical line grows evenly on both sides.
   */
  line(x0: number, y0: number, x1: number, y1: number, colour: Rgb, thickness = 1): void {
    let x = Math.round(x0);
    let y = Math.round(y0);
    const toX = Math.round(x1);
    const toY = Math.round(y1);
    const dx = Math.abs(toX - x);
    const dy = -Math.abs(toY - y);
    const stepX = x < toX ? 1 : -1;
    const stepY = y < toY ? 1 : -1;
    const offset = Math.floor((thickness - 1) / 2);
    let error = dx + dy;
    for (;;) {
      this.fillRect(x - offset, y - offset, thickness, thickness, colour);
      if (x === toX && y === toY) return;
      const doubled = 2 * error;
      if (doubled >= dy) {
        error += dy;
        x += stepX;
      }
      if (doubled <= dx) {
        error += dx;
        y += stepY;
      }
    }
  }

  /** Text with its top-left corner at (x, y), `scale` pixels per font pixel; returns the width drawn. */
  text(x: number, y: number, text: string, colour: Rgb, scale = 1): number {
    let cursor = x;
    for (const char of text) {
      for (const [gx, gy] of glyphPixels(char)) this.fillRect(cursor + gx * scale, y + gy * scale, scale, scale, colour);
      cursor += (GLYPH_WIDTH + 1) * scale;
    }
    return Canvas.textWidth(text, scale);
  }

  static textWidth(text: string, scale = 1): number {
    const chars = [...text].length;
    return chars === 0 ? 0 : chars * (GLYPH_WIDTH + 1) * scale - scale;
  }

  /** From the top of a capital to the baseline; descenders hang GLYPH_DESCENT × scale pixels lower. */
  static capHeight(scale = 1): number {
    return GLYPH_HEIGHT * scale;
  }

  static lineHeight(scale = 1): number {
    return (GLYPH_HEIGHT + GLYPH_DESCENT) * scale;
  }

  toPng(): Buffer {
    return encodePng(this.width, this.height, this.pixels);
  }
}
