import { readFileSync } from 'node:fs';

/**
 * The soft limit on open files of this process (Linux), or undefined where it cannot be read. Node raises its soft
 * limit to the hard one as it starts, so this is the limit smsops runs under, which a shell's `ulimit -Sn` may not be.
 */
export function openFileLimit(): number | undefined {
  try {
    const line = /^Max open files\s+(\d+|unlimited)/m.exec(readFileSync('/proc/self/limits', 'utf8'))?.[1];
    return line === undefined || line === 'unlimited' ? undefined : Number(line);
  } catch {
    return undefined;
  }
}

/**
 * The least open-file limit smsops starts under. Node's module loader opens smsops' modules many at a time (zod alone
 * loads some 50 locale files): the compiled build never started at 168, started in 2 tries of 3 at 176 and always at
 * 184, and below that died with a bare EMFILE stack trace and exit 1, which systemd and Docker restart forever. 256
 * leaves room for modules still to come and, once started, for the listener at its cap (¾ of the limit), PortSIP's
 * connections and the database (src/relay/portsipConnections.ts).
 */
export const MIN_OPEN_FILES = 256;

const HOW_TO_RAISE =
  'raise it where smsops is started: `ulimit -n 1024` in its shell, LimitNOFILE=1024 in its systemd unit, `docker run --ulimit nofile=1024` (ulimits: nofile: in Compose)';

/** Why smsops refuses to start under this limit, or undefined where it may (or the limit is unknown). */
export function openFileLimitProblem(limit = openFileLimit()): string | undefined {
  if (limit === undefined || limit >= MIN_OPEN_FILES) return undefined;
  return `smsops cannot start: the open-file limit is ${limit}, below the ${MIN_OPEN_FILES} smsops needs; ${HOW_TO_RAISE}`;
}

/**
 * What to say of an error that means the process ran out of descriptors (EMFILE, ENFILE), else undefined. `limit`
 * is read before: once they have run out, /proc/self/limits cannot be opened either.
 */
export function descriptorsRanOut(error: unknown, limit: number | undefined): string | undefined {
  const code = (error as NodeJS.ErrnoException | null | undefined)?.code;
  if (code === 'ENFILE')
    return 'smsops could not start: the system ran out of open files (ENFILE); close what holds them or raise fs.file-max';
  if (code !== 'EMFILE') return undefined;
  return `smsops could not start: it ran out of open files while loading (EMFILE; the open-file limit is ${limit ?? 'unknown'}, at least ${MIN_OPEN_FILES} is needed); ${HOW_TO_RAISE}`;
}
