import { readFileSync } from 'node:fs';
import { totalmem } from 'node:os';
import type { Logger } from './log.js';

/**
 * Past this share of the memory limit smsops warns (log, /healthz `memory`). The kernel kills a process whose cgroup
 * reaches its limit without a word (SIGKILL: nothing logged, nothing flushed): a probe under a 200 MB limit saw
 * smsops' anonymous memory go from 101 MB idle to the limit within 5 s of a burst of large webhooks. A limit crossed
 * at 85 % was said in the log, in /healthz and in /metrics 1-3 s before the kill, where nothing was said at all.
 */
export const MEMORY_WARN_SHARE = 0.85;
/** Said again once it went below this share (so a level hovering at the line is not said every second). */
const MEMORY_CLEAR_SHARE = 0.8;
const CHECK_EVERY_MS = 1_000;

export interface MemoryReading {
  /** Memory the kernel cannot give back without killing: anonymous + shared (tmpfs) pages, from /proc/self/status. */
  usedBytes: number;
  /** The cgroup's limit (a container's, systemd's MemoryMax), or null when none is set below the machine's memory. */
  limitBytes: number | null;
}

/** The cgroup limit Node reads (v1 and v2), or null when there is none below the machine's memory. */
export function memoryLimitBytes(constrained = process.constrainedMemory?.() ?? 0, total = totalmem()): number | null {
  return constrained > 0 && constrained < total ? constrained : null;
}

/**
 * RssAnon + RssShmem of /proc/self/status: what a memory cgroup kills for. RSS also counts the pages of node's own
 * binary and libraries (~56 MB), which the kernel drops and reads back under pressure: smsops ran at RSS 228 MB
 * under a 200 MB limit. Elsewhere (not Linux), the RSS.
 */
export function readUsedMemory(status = () => readFileSync('/proc/self/status', 'utf8')): number {
  try {
    const text = status();
    const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? Number.NaN);
    const used = (kb('RssAnon') + (kb('RssShmem') || 0)) * 1024;
    if (Number.isFinite(used)) return used;
  } catch {}
  return process.memoryUsage.rss();
}

const mb = (bytes: number) => Math.round(bytes / (1024 * 1024));

/** The /healthz words: 'ok', or how near the limit smsops runs and what it risks. */
export function memoryWords(reading: MemoryReading): string {
  if (reading.limitBytes === null || reading.usedBytes < reading.limitBytes * MEMORY_WARN_SHARE) return 'ok';
  const share = Math.round((reading.usedBytes / reading.limitBytes) * 100);
  return (
    `near the memory limit: ${mb(reading.usedBytes)} of ${mb(reading.limitBytes)} MB (${share} %); at the limit the ` +
    'kernel kills smsops without a word (webhooks being answered are sent again by Wavix, stored SMS are relayed ' +
    'after the restart): give its container or service more memory'
  );
}

export interface MemoryWatch {
  reading(): MemoryReading;
  stop(): void;
}

/** Reads the memory once a second and warns once per crossing of MEMORY_WARN_SHARE. No limit: nothing to watch. */
export function watchMemory(options: {
  logger: Logger;
  limitBytes?: number | null;
  used?: () => number;
  everyMs?: number;
}): MemoryWatch {
  const limitBytes = options.limitBytes === undefined ? memoryLimitBytes() : options.limitBytes;
  const used = options.used ?? (() => readUsedMemory());
  let warned = false;
  const reading = (): MemoryReading => ({ usedBytes: used(), limitBytes });
  const check = () => {
    if (limitBytes === null) return;
    const now = reading();
    if (!warned && now.usedBytes >= limitBytes * MEMORY_WARN_SHARE) {
      warned = true;
      options.logger.warn(memoryWords(now), { usedMb: mb(now.usedBytes), limitMb: mb(limitBytes) });
    } else if (warned && now.usedBytes < limitBytes * MEMORY_CLEAR_SHARE) {
      warned = false;
      options.logger.info('back under the memory limit', { usedMb: mb(now.usedBytes), limitMb: mb(limitBytes) });
    }
  };
  const timer = limitBytes === null ? undefined : setInterval(check, options.everyMs ?? CHECK_EVERY_MS);
  timer?.unref();
  return { reading, stop: () => clearInterval(timer) };
}
