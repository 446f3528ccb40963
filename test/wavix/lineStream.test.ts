import { createServer, type ServerResponse } from 'node:http';
import { gzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import type { WavixError } from '../../src/wavix/errors.js';
import { createWavixLineStreamer, type StreamEnd, type StreamedLine } from '../../src/wavix/lineStream.js';

/** Wavix's export read from a real HTTP server writing whatever `write` sends. */
async function readExport(write: (res: ServerResponse) => Promise<void>, maxBytes: number, type = 'application/x-ndjson') {
  const server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': type });
    void write(res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  closers.push(() => new Promise((resolve) => server.close(() => resolve())));
  const port = (server.address() as { port: number }).port;
  const stream = createWavixLineStreamer({
    baseUrl: `http://127.0.0.1:${port}`,
    apiKey: 'test-wavix-key-0000',
    retry: { maxRetries: 0 },
  });
  const lines = stream({ operation: 'export outbound messages', path: '/v3/messages/all', maxBytes, maxMs: 30_000 });
  const read: StreamedLine[] = [];
  for (;;) {
    const next = await lines.next();
    if (next.done) {
      server.closeAllConnections();
      return { read, end: next.value as StreamEnd };
    }
    read.push(next.value);
  }
}

const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
});

const MESSAGE = '{"message_id":"m1","from":"15550000001","to":"15550000002","status":"delivered"}';

async function writeAll(res: ServerResponse, chunks: Iterable<Buffer | string>) {
  for (const chunk of chunks) {
    if (res.destroyed) return;
    if (!res.write(chunk)) await new Promise((resolve) => res.once('drain', resolve));
  }
  res.end();
}

describe('the export read line by line', () => {
  it('stops at its byte limit within one endless line (a 20 MB line was read whole past a 4 MB limit)', async () => {
    const chunk = Buffer.alloc(64 * 1024, 'a');
    const { read, end } = await readExport(
      (res) => writeAll(res, [...Array.from({ length: 320 }, () => chunk), `\n${MESSAGE}\n`]),
      4 * 1024 * 1024,
    );
    expect(end.cut).toBe('size');
    expect(end.bytes).toBeLessThanOrEqual(4 * 1024 * 1024 + chunk.length);
    expect(read).toEqual([]);
  });

  it('says a skipped line by its whole size, and reads the lines after it', async () => {
    const chunk = Buffer.alloc(64 * 1024, 'a');
    const { read, end } = await readExport(
      (res) => writeAll(res, [...Array.from({ length: 32 }, () => chunk), `\r\n${MESSAGE}\r\n${MESSAGE}`]),
      64 * 1024 * 1024,
    );
    expect(end.cut).toBeNull();
    expect(read).toEqual([
      { tooLong: 32 * chunk.length + 2, number: 1 },
      { text: MESSAGE, number: 2 },
      { text: MESSAGE, number: 3 },
    ]);
    expect(end.bytes).toBe(32 * chunk.length + 2 + (MESSAGE.length + 2) + MESSAGE.length);
  });

  it('takes a web page answering 200 (a TLS-inspecting box) for what it is, not an export of lines that are no message', async () => {
    const page = '<!DOCTYPE html>\n<html>\n<body>Sign in to continue</body>\n</html>\n';
    const failed = await readExport((res) => writeAll(res, [page]), 1 << 20, 'text/html; charset=utf-8').catch(
      (error: unknown) => error as WavixError,
    );
    expect((failed as WavixError).userMessage).toMatch(/^A web page answered instead of Wavix's API \(HTTP 200\)/);
  });

  it('reads a first line that starts with a byte order mark (it was skipped as not JSON, its message uncounted)', async () => {
    const { read, end } = await readExport(
      (res) => writeAll(res, [Buffer.from([0xef, 0xbb]), Buffer.from([0xbf]), `${MESSAGE}\n`]),
      1 << 20,
    );
    expect(end.cut).toBeNull();
    expect(read).toEqual([{ text: MESSAGE, number: 1 }]);
  });

  it('fails an answer cut off mid-way as cut, not as read whole (a gzip stream cut short) nor as Wavix not reached', async () => {
    const lines = Array.from({ length: 2_000 }, (_, i) => MESSAGE.replace('m1', `m${i}`)).join('\n');
    const gzipped = gzipSync(`${lines}\n`);
    const failureOf = async (answer: (res: ServerResponse) => void) => {
      const server = createServer((_req, res) => answer(res));
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      closers.push(() => new Promise((resolve) => server.close(() => resolve())));
      const stream = createWavixLineStreamer({
        baseUrl: `http://127.0.0.1:${(server.address() as { port: number }).port}`,
        apiKey: 'test-wavix-key-0000',
        retry: { maxRetries: 0 },
      });
      let read = 0;
      try {
        for await (const _line of stream({
          operation: 'export outbound messages',
          path: '/v3/messages/all',
          maxBytes: 1e8,
          maxMs: 30_000,
        }))
          read += 1;
      } catch (error) {
        return { read, said: (error as WavixError).userMessage };
      } finally {
        server.closeAllConnections();
      }
      return { read, said: 'read whole' };
    };
    // Its last 100 bytes missing: axios' gunzip ends quietly at what it has, the last line torn.
    const gzipCut = await failureOf((res) =>
      res
        .writeHead(200, { 'content-type': 'application/x-ndjson', 'content-encoding': 'gzip' })
        .end(gzipped.subarray(0, gzipped.length - 100)),
    );
    expect(gzipCut.said).toMatch(
      /^Wavix's answer to export outbound messages broke off after \d+ lines \(the last line ended mid-way\)/,
    );
    expect(gzipCut.read).toBeLessThan(2_000);
    // A reset after two lines: Wavix was reached ("could not reach Wavix… check WAVIX_API_URL (ERR_UNKNOWN)" before).
    const reset = await failureOf((res) => {
      res.writeHead(200, { 'content-type': 'application/x-ndjson' }).write(`${MESSAGE}\n${MESSAGE}\n`);
      setTimeout(() => res.socket?.destroy(), 50);
    });
    expect(reset).toEqual({
      read: 2,
      said: expect.stringMatching(/^Wavix's answer to export outbound messages broke off after 2 lines \(ECONNRESET\)/),
    });
    expect(reset.said).not.toMatch(/could not reach|WAVIX_API_URL/);
  });
});
