import { inflateSync } from 'node:zlib';
import { crc32, PNG_SIGNATURE } from '../../src/charts/png.js';

export interface PngChunk {
  type: string;
  data: Buffer;
}

export interface DecodedPng {
  width: number;
  height: number;
  /** RGBA, 4 bytes per pixel, row by row. */
  rgba: Uint8Array;
  /** The chunks in file order (CRCs already checked). */
  chunks: PngChunk[];
  pixel(x: number, y: number): [number, number, number];
}

const paeth = (a: number, b: number, c: number) => {
  const p = a + b - c;
  const pa = Math.abs(p - a);
  const pb = Math.abs(p - b);
  const pc = Math.abs(p - c);
  return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
};

/** Splits a PNG into its chunks, throwing on a bad signature, a truncated chunk or a CRC that does not match. */
export function readPngChunks(buffer: Buffer): PngChunk[] {
  if (buffer.length < 8 || !buffer.subarray(0, 8).equals(PNG_SIGNATURE)) throw new Error('not a PNG: bad signature');
  const chunks: PngChunk[] = [];
  let offset = 8;
  while (offset < buffer.length) {
    if (offset + 12 > buffer.length) throw new Error('truncated PNG: incomplete chunk header');
    const length = buffer.readUInt32BE(offset);
    const type = buffer.toString('ascii', offset + 4, offset + 8);
    if (offset + 12 + length > buffer.length) throw new Error(`truncated PNG: ${type} runs past the end`);
    const expected = buffer.readUInt32BE(offset + 8 + length);
    if (crc32(buffer.subarray(offset + 4, offset + 8 + length)) !== expected) throw new Error(`bad CRC in ${type}`);
    chunks.push({ type, data: buffer.subarray(offset + 8, offset + 8 + length) });
    offset += 12 + length;
    if (type === 'IEND') return chunks;
  }
  throw new Error('truncated PNG: no IEND');
}

/** Undoes the per-row filters (types 0–4) of 8-bit, non-interlaced scanlines. */
function unfilter(raw: Buffer, width: number, height: number, channels: number): Uint8Array {
  const stride = width * channels;
  if (raw.length !== height * (stride + 1))
    throw new Error(`image data is ${raw.length} bytes, expected ${height * (stride + 1)}`);
  const out = new Uint8Array(height * stride);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)] ?? 0;
    if (filter > 4) throw new Error(`row ${y}: unknown filter type ${filter}`);
    for (let x = 0; x < stride; x++) {
      const value = raw[y * (stride + 1) + 1 + x] ?? 0;
      const a = x >= channels ? (out[y * stride + x - channels] ?? 0) : 0;
      const b = y > 0 ? (out[(y - 1) * stride + x] ?? 0) : 0;
      const c = x >= channels && y > 0 ? (out[(y - 1) * stride + x - channels] ?? 0) : 0;
      const predictor = [0, a, b, Math.floor((a + b) / 2), paeth(a, b, c)][filter] ?? 0;
      out[y * stride + x] = (value + predictor) & 0xff;
    }
  }
  return out;
}

/** Decodes 8-bit RGB/RGBA non-interlaced PNGs (every filter type), checking the signature and each chunk's CRC. */
export function decodePng(buffer: Buffer): DecodedPng {
  const chunks = readPngChunks(buffer);
  const header = chunks[0];
  if (header?.type !== 'IHDR' || header.data.length !== 13) throw new Error('PNG does not start with IHDR');
  const width = header.data.readUInt32BE(0);
  const height = header.data.readUInt32BE(4);
  const [depth, colourType, compression, filterMethod, interlace] = header.data.subarray(8);
  if (depth !== 8) throw new Error(`bit depth ${depth} not supported`);
  const channels = colourType === 6 ? 4 : colourType === 2 ? 3 : 0;
  if (channels === 0) throw new Error(`colour type ${colourType} not supported`);
  if (compression !== 0 || filterMethod !== 0 || interlace !== 0) throw new Error('only deflate, filter method 0, no interlace');

  const raw = inflateSync(Buffer.concat(chunks.filter((c) => c.type === 'IDAT').map((c) => c.data)));
  const out = unfilter(raw, width, height, channels);
  const rgba = new Uint8Array(width * height * 4);
  for (let i = 0; i < width * height; i++) {
    rgba[i * 4] = out[i * channels] ?? 0;
    rgba[i * 4 + 1] = out[i * channels + 1] ?? 0;
    rgba[i * 4 + 2] = out[i * channels + 2] ?? 0;
    rgba[i * 4 + 3] = channels === 4 ? (out[i * channels + 3] ?? 0) : 255;
  }
  return {
    width,
    height,
    rgba,
    chunks,
    pixel: (x, y) => {
      if (x < 0 || y < 0 || x >= width || y >= height) throw new Error(`pixel (${x}, ${y}) is outside ${width}×${height}`);
      const i = (y * width + x) * 4;
      return [rgba[i] ?? 0, rgba[i + 1] ?? 0, rgba[i + 2] ?? 0];
    },
  };
}
