import { chmodSync, statSync } from 'node:fs';
import { resolve } from 'node:path';

/**
 * `.env` holds the Slack tokens, the signing secret and the Wavix key; `cp .env.example .env` under the usual umask
 * 022 makes it 0644, readable by every user of the machine, while the database beside it is kept 0600 (a probe found
 * both, and only the database was guarded). Found so, with a secret in it: tightened to 0600 when smsops' user owns
 * it, as the database is; else (root:smsops 0640 on purpose, another user's file) said when others may read it, with
 * the command. Never the values: the names of the secrets it holds say what was exposed.
 */
export type EnvFileModeFinding =
  | { action: 'tightened'; path: string; was: string; secrets: string[] }
  | { action: 'reported'; path: string; was: string; secrets: string[] };

const octal = (mode: number) => (mode & 0o777).toString(8);

export function guardEnvFileMode(
  path: string,
  fileValues: Readonly<Record<string, string>>,
  secretNames: readonly string[],
  uid: number | undefined = process.getuid?.(),
): EnvFileModeFinding | null {
  if (process.platform === 'win32' || uid === undefined) return null;
  const secrets = secretNames.filter((name) => (fileValues[name] ?? '').trim() !== '');
  if (secrets.length === 0) return null;
  let found: { mode: number; uid: number };
  try {
    // Through a symlink: the file that holds the secrets is the one whose mode matters.
    const stat = statSync(path);
    if (!stat.isFile()) return null;
    found = { mode: stat.mode, uid: stat.uid };
  } catch {
    return null; // not there, or not readable: nothing was read from it
  }
  const where = resolve(path);
  if (found.uid === uid) {
    if ((found.mode & 0o077) === 0) return null;
    try {
      chmodSync(path, 0o600);
      return { action: 'tightened', path: where, was: octal(found.mode), secrets };
    } catch {
      // A read-only mount (a .env bind-mounted :ro): said, and the start goes on as before.
      return { action: 'reported', path: where, was: octal(found.mode), secrets };
    }
  }
  // Someone else's file: a group may be meant (root:smsops 0640); everyone is not.
  if ((found.mode & 0o007) === 0) return null;
  return { action: 'reported', path: where, was: octal(found.mode), secrets };
}

/** The start-up warning for a finding, naming the file, its mode and the secrets' names, never their values. */
export function envFileModeWarning(finding: EnvFileModeFinding): string {
  const held = `it holds ${finding.secrets.join(', ')}`;
  return finding.action === 'tightened'
    ? `${finding.path} was readable by other users of this machine (mode ${finding.was}; ${held}): smsops set it to 600. If another user must read it, give it to a group (chown :<group>, chmod 640); consider the secrets in it seen by whoever could log in here`
    : `${finding.path} is readable by other users of this machine (mode ${finding.was}; ${held}) and smsops could not change it (another user's file, or a read-only mount): run chmod 600 ${finding.path} as its owner (640 with a group smsops' user is in)`;
}
