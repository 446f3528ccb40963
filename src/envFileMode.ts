import { chmodSync, lstatSync, realpathSync, statSync } from 'node:fs';
import { resolve } from 'node:path';

/**
 * `.env` holds the Slack tokens, the signing secret and the Wavix key; `cp .env.example .env` under the usual umask
 * 022 makes it 0644, readable by every user of the machine, while the database beside it is kept 0600 (a probe found
 * both, and only the database was guarded). Found open to everyone, with a secret in it: tightened to 0600 when
 * smsops' user owns it, as the database is; else said, with the command. A file open to its group only (0640,
 * root:smsops or smsops:deploy) is left alone, whoever owns it: a group is given on purpose, and the warning itself
 * advises one. A `.env` that links elsewhere (a secrets file shared with other services) is never changed, only
 * reported naming the file it reaches: chmod follows the link and would lock the others out (a probe). Never the
 * values: the names of the secrets it holds say what was exposed.
 */
export type EnvFileModeFinding =
  | { action: 'tightened'; path: string; was: string; secrets: string[] }
  | {
      action: 'reported';
      path: string;
      was: string;
      secrets: string[];
      why: 'not-changeable' | 'linked' | 'hard-linked';
      target?: string;
      /** How many names the file has (a hard link). */
      names?: number;
    };

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
  let found: { mode: number; uid: number; linked: boolean; names: number };
  try {
    // Through a symlink: the file that holds the secrets is the one whose mode matters. A hard link (`ln shared .env`)
    // is the same file under two names: chmod there locks the others out just as well (a probe).
    const stat = statSync(path);
    if (!stat.isFile()) return null;
    found = { mode: stat.mode, uid: stat.uid, linked: lstatSync(path).isSymbolicLink() || stat.nlink > 1, names: stat.nlink };
  } catch {
    return null; // not there, or not readable: nothing was read from it
  }
  // Open to its owner and group only: on purpose (a group cannot come from cp under any usual umask but 027's, which
  // is the owner's own group anyway).
  if ((found.mode & 0o007) === 0) return null;
  const where = resolve(path);
  const was = octal(found.mode);
  if (found.linked) {
    let target = where;
    try {
      target = realpathSync(path);
    } catch {
      // gone between the two reads: named by the link then
    }
    return target === where && found.names > 1
      ? { action: 'reported', path: where, was, secrets, why: 'hard-linked', names: found.names }
      : { action: 'reported', path: where, was, secrets, why: 'linked', target };
  }
  if (found.uid !== uid) return { action: 'reported', path: where, was, secrets, why: 'not-changeable' };
  try {
    chmodSync(path, 0o600);
    return { action: 'tightened', path: where, was, secrets };
  } catch {
    // A read-only mount (a .env bind-mounted :ro): said, and the start goes on as before.
    return { action: 'reported', path: where, was, secrets, why: 'not-changeable' };
  }
}

/** The start-up warning for a finding, naming the file, its mode and the secrets' names, never their values. */
export function envFileModeWarning(finding: EnvFileModeFinding): string {
  const held = `it holds ${finding.secrets.join(', ')}`;
  if (finding.action === 'tightened') {
    return `${finding.path} was readable by other users of this machine (mode ${finding.was}; ${held}): smsops set it to 600. If another user must read it, give it to a group (chown :<group>, chmod 640), which smsops leaves as it is; consider the secrets in it seen by whoever could log in here`;
  }
  // The owner may be another user than smsops' (a container's uid reading a host file): 600 would lock smsops out.
  const close = (file: string) =>
    `run chmod o-rwx ${file} as its owner (smsops' user must still read it: as its owner, or through its group, chmod 640)`;
  if (finding.why === 'hard-linked') {
    return `${finding.path} is one of ${finding.names ?? 2} names of the same file (a hard link), which is readable by other users of this machine (mode ${finding.was}; ${held}); smsops leaves a linked file as it is, since other services may read it too: ${close(finding.path)}`;
  }
  if (finding.why === 'linked') {
    const target = finding.target ?? finding.path;
    return `${finding.path} links to ${target}, which is readable by other users of this machine (mode ${finding.was}; ${held}); smsops leaves a linked file as it is, since other services may read it too: ${close(target)}`;
  }
  return `${finding.path} is readable by other users of this machine (mode ${finding.was}; ${held}) and smsops could not change it (another user's file, or a read-only mount): ${close(finding.path)}`;
}
