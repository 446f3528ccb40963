import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sleep, waitUntil } from './waitUntil.js';

/**
 * A folder whose files fail on command (./faultFs.py, a passthrough FUSE file system in Python): what a dying disk does
 * under smsops, which no tmpfs can. Needs /dev/fuse, fusermount3 and Python's fusepy (`apt-get install fuse3
 * python3-fusepy`); `faultFsUnavailable()` says which is missing, for a test to skip with the reason (CI has none).
 */
export interface FaultFs {
  /** The mounted folder. */
  readonly dir: string;
  /** Switches the faults (faultFs.py reads them at its next operation). */
  set(faults: { fsync_eio?: boolean; read_eio?: string }): void;
  unmount(): Promise<void>;
}

/** The first Python that has fusepy: the one on PATH, or the system's (a pyenv one on PATH lacks Debian's packages). */
function pythonWithFusepy(): string | null {
  for (const python of ['python3', '/usr/bin/python3']) {
    try {
      execFileSync(
        python,
        ['-c', 'import importlib.util as u, sys; sys.exit(0 if u.find_spec("fusepy") or u.find_spec("fuse") else 1)'],
        {
          stdio: 'pipe',
        },
      );
      return python;
    } catch {
      // Not there, or without fusepy.
    }
  }
  return null;
}

export function faultFsUnavailable(): string | null {
  if (!existsSync('/dev/fuse')) return 'no /dev/fuse';
  try {
    execFileSync('fusermount3', ['-V'], { stdio: 'pipe' });
  } catch {
    return 'no fusermount3 (apt-get install fuse3)';
  }
  if (pythonWithFusepy() === null) return 'no Python fusepy (apt-get install python3-fusepy)';
  return null;
}

export async function mountFaultFs(parent: string): Promise<FaultFs> {
  const backing = join(parent, 'backing');
  const dir = join(parent, 'mounted');
  const control = join(parent, 'faults.json');
  mkdirSync(backing, { mode: 0o700 });
  mkdirSync(dir, { mode: 0o700 });
  writeFileSync(control, '{}');
  const python = pythonWithFusepy();
  if (python === null) throw new Error('no Python with fusepy (faultFsUnavailable says so first)');
  const child: ChildProcess = spawn(python, [join(import.meta.dirname, 'faultFs.py'), backing, dir, control], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk) => {
    stderr += String(chunk);
  });
  const mounted = () => readFileSync('/proc/mounts', 'utf8').includes(` ${dir} fuse`);
  await waitUntil(mounted, 10_000, () => `faultFs.py did not mount ${dir}: ${stderr}`);
  return {
    dir,
    set: (faults) => writeFileSync(control, JSON.stringify(faults)),
    unmount: async () => {
      writeFileSync(control, '{}');
      try {
        execFileSync('fusermount3', ['-u', '-z', dir], { stdio: 'pipe' });
      } catch {
        // Already gone with its process.
      }
      child.kill();
      await Promise.race([new Promise((resolve) => child.once('exit', resolve)), sleep(3_000)]);
    },
  };
}
