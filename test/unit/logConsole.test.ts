import { describe, expect, it } from 'vitest';
import { consoleWriter } from '../../src/logConsole.js';
import { humanLogLine } from '../../src/logFormat.js';

/** A pipe of `room` bytes whose reader is stopped until `drain()`: writes past its room fail with EAGAIN, as Node's non-blocking stdout does. */
function stoppedPipe(room: number) {
  let free = room;
  const taken: Buffer[] = [];
  let calls = 0;
  return {
    writeSync: (_fd: number, data: Uint8Array) => {
      calls += 1;
      if (free === 0) throw Object.assign(new Error('EAGAIN: resource temporarily unavailable, write'), { code: 'EAGAIN' });
      const n = Math.min(free, data.length);
      taken.push(Buffer.from(data.subarray(0, n)));
      free -= n;
      return n;
    },
    drain: () => {
      free = Number.POSITIVE_INFINITY;
    },
    text: () => Buffer.concat(taken).toString(),
    calls: () => calls,
  };
}

describe('a log stream whose reader stopped reading', () => {
  it('drops lines at once instead of waiting, never cuts one, and says how many once the reader is back', () => {
    const pipe = stoppedPipe(30);
    const out = consoleWriter(1, { writeSync: pipe.writeSync, now: () => new Date('2026-11-28T02:00:00Z') });
    const started = Date.now();
    for (let i = 0; i < 1000; i++) out.write(`{"msg":"line ${i}"}\n`);
    expect(Date.now() - started).toBeLessThan(500); // pino's destination slept 100 ms per try: the process stood still
    expect(out.dropped()).toBeGreaterThan(990);
    pipe.drain();
    out.write('{"msg":"after"}\n');
    const lines = pipe.text().trimEnd().split('\n');
    for (const line of lines) expect(() => JSON.parse(line)).not.toThrow();
    expect(lines[0]).toBe('{"msg":"line 0"}');
    expect(JSON.parse(lines.at(-2) ?? '')).toMatchObject({ level: 'warn', dropped: out.dropped() });
    expect(lines.at(-1)).toBe('{"msg":"after"}');
  });

  it('counts the lines a reader that went away (EPIPE) misses, and goes on', () => {
    const out = consoleWriter(1, {
      writeSync: () => {
        throw Object.assign(new Error('EPIPE'), { code: 'EPIPE' });
      },
    });
    for (let i = 0; i < 5; i++) expect(() => out.write(`{"msg":"x${i}"}\n`)).not.toThrow();
    // The first is held for a reader that may come back (a FIFO); the others are lost and counted, as /metrics says.
    expect(out.dropped()).toBe(4);
  });

  it('on a full disk, never joins half a line to the next, and counts and says what it lost once there is room', () => {
    // A redirected file on a full disk: it takes 10 bytes of a line, then refuses with ENOSPC until room is made.
    let room = 10;
    const file: Buffer[] = [];
    const writeSync = (_fd: number, data: Uint8Array) => {
      if (room === 0) throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
      const n = Math.min(room, data.length);
      file.push(Buffer.from(data.subarray(0, n)));
      room -= n;
      return n;
    };
    const out = consoleWriter(1, { writeSync, now: () => new Date('2026-11-28T02:00:00Z') });
    for (let i = 0; i < 20; i++) out.write(`{"msg":"line ${i}"}\n`);
    expect(out.dropped()).toBe(19); // before: 0, while every line was lost
    room = Number.POSITIVE_INFINITY;
    out.write('{"msg":"after"}\n');
    const lines = Buffer.concat(file).toString().trimEnd().split('\n');
    for (const line of lines) expect(() => JSON.parse(line)).not.toThrow(); // before: '{"msg":"li{"msg":"after"}'
    expect(lines[0]).toBe('{"msg":"line 0"}');
    expect(JSON.parse(lines[1] ?? '')).toMatchObject({ level: 'warn', dropped: 19 });
    expect(lines[2]).toBe('{"msg":"after"}');
  });

  it('says the count as the other lines of the stream read, a human line on a terminal', () => {
    const pipe = stoppedPipe(30);
    const out = consoleWriter(1, {
      writeSync: pipe.writeSync,
      now: () => new Date('2026-11-28T02:00:00Z'),
      shape: humanLogLine,
    });
    for (let i = 0; i < 10; i++) out.write(`2026-11-28T02:00:00Z INFO  line ${i}\n`);
    pipe.drain();
    out.write('2026-11-28T02:00:01Z INFO  after\n');
    const lines = pipe.text().trimEnd().split('\n');
    expect(lines.at(-2)).toMatch(/^2026-11-28T02:00:00Z WARN {2}log lines dropped: .* dropped=\d+$/);
  });
});
