import { readdirSync, readlinkSync, statSync } from 'node:fs';

/** Which file a path named when it was opened: a file removed, moved or replaced meanwhile has another, or none. */
export interface FileIdentity {
  dev: bigint;
  ino: bigint;
}

export function fileIdentity(path: string): FileIdentity {
  const s = statSync(path, { bigint: true });
  return { dev: s.dev, ino: s.ino };
}

/**
 * Where this process still holds the file open (`/proc/<pid>/fd/<n>`), and what that descriptor names now (the new
 * path of a moved file, or the old one followed by " (deleted)"). Read only when the file went away, never per tick:
 * it stats every descriptor of the process. Null where there is no /proc (not Linux) or nothing matches.
 */
export function openDescriptorOf(opened: FileIdentity): { fd: number; heldAt: string; names: string } | null {
  let fds: string[];
  try {
    fds = readdirSync('/proc/self/fd');
  } catch {
    return null;
  }
  for (const fd of fds) {
    const link = `/proc/self/fd/${fd}`;
    try {
      const s = statSync(link, { bigint: true });
      if (s.dev !== opened.dev || s.ino !== opened.ino) continue;
      return { fd: Number(fd), heldAt: `/proc/${process.pid}/fd/${fd}`, names: readlinkSync(link) };
    } catch {
      // A descriptor closed meanwhile (readdir's own, a socket that ended).
    }
  }
  return null;
}
