import { GLYPH_HEIGHT, GLYPH_WIDTH, glyphPixels } from './font.js';
import { encodePng } from './png.js';

export type Rgb = readonly [number, number, number];

/** A small RGBA raster with just what the charts draw: rectangles, lines and bitmap text. */
export class Canvas {
  readonly pixels: Uint8Array;

  constructor(
    readonly width: number,
    readonly height: number,
    background: Rgb = [255, 255, 255],
  ) {
    this.pixels = new Uint8Array(width * height * 4);
    this.fillRect(0, 0, width, height, background);
  }

  setPixel(x: number, y: number, [r, g, b]: Rgb): void {
    if (x < 0 || y < 0 || x >= this.width || y >= this.height) return;
    const i = (Math.floor(y) * this.width + Math.floor(x)) * 4;
    this.pixels[i] = r;
    this.pixels[i + 1] = g;
    this.pixels[i + 2] = b;
    this.pixels[i + 3] = 255;
  }

  fillRect(x: number, y: number, w: number, h: number, colour: Rgb): void {
    for (let yy = Math.max(0, Math.floor(y)); yy < Math.min(this.height, Math.floor(y + h)); yy++) {
      for (let xx = Math.max(0, Math.floor(x)); xx < Math.min(this.width, Math.floor(x + w)); xx++) this.setPixel(xx, yy, colour);
    }
  }

  hLine(x1: number, x2: number, y: number, colour: Rgb): void {
    this.fillRect(Math.min(x1, x2), y, Math.abs(x2 - x1) + 1, 1, colour);
  }

  vLine(x: number, y1: number, y2: number, colour: Rgb): void {
    this.fillRect(x, Math.min(y1, y2), 1, Math.abs(y2 - y1) + 1, colour);
  }

  /** Text at (x, y) = its top-left corner, `scale` pixels per font pixel; returns the width drawn. */
  text(x: number, y: number, text: string, colour: Rgb, scale = 1): number {
    let cursor = x;
    for (const char of text) {
      for (const [gx, gy] of glyphPixels(char)) this.fillRect(cursor + gx * scale, y + gy * scale, scale, scale, colour);
      cursor += (GLYPH_WIDTH + 1) * scale;
    }
    return cursor - x;
  }

  static textWidth(text: string, scale = 1): number {
    return text.length * (GLYPH_WIDTH + 1) * scale - scale;
  }

  static textHeight(scale = 1): number {
    return GLYPH_HEIGHT * scale;
  }

  toPng(): Buffer {
    return encodePng(this.width, this.height, this.pixels);
  }
}
