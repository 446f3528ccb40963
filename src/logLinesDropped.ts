/**
 * Log lines a full console pipe could not take (src/logConsole.ts), counted for /metrics: the console streams belong to
 * the process and are opened before any app, while the counter lives in the app's registry, which exists only once
 * started and may be built several times in tests (as for unhandled rejections).
 */
export type ConsoleStream = 'stdout' | 'stderr';

export const CONSOLE_STREAMS: readonly ConsoleStream[] = ['stdout', 'stderr'];

const seen: Record<ConsoleStream, number> = { stdout: 0, stderr: 0 };
const counters = new Set<(stream: ConsoleStream, by: number) => void>();

/** One more line dropped on `stream`. */
export function noteLogLineDropped(stream: ConsoleStream): void {
  seen[stream] += 1;
  for (const inc of counters) inc(stream, 1);
}

/** Counts into `inc` those dropped before now and every later one, until the returned function is called. */
export function countLogLinesDropped(inc: (stream: ConsoleStream, by: number) => void): () => void {
  for (const stream of CONSOLE_STREAMS) if (seen[stream] > 0) inc(stream, seen[stream]);
  counters.add(inc);
  return () => counters.delete(inc);
}
