import { lstatSync, readFileSync, readlinkSync } from 'node:fs';
import { resolve } from 'node:path';

/**
 * `.env` read strictly. Node's `util.parseEnv` loses values without a word: a byte-order mark renames the first key, a
 * line without `=` swallows the next line's name, and an unquoted `#` cuts a key or URL short. Here every line is
 * `[export ]NAME=value`, a comment or blank, or it is a problem naming the file and the line (never its content,
 * which may be a secret). Kept from Node's reading: CRLF, `export`, quotes (`"` with `\n` expanded, `'`, backticks,
 * across lines), trimmed unquoted values, the last of a repeated name wins.
 */

/** `warnings`: lines read, but likely not as meant (a value that is only a comment looking like a `#name`). */
export type EnvFileRead = { values: Record<string, string>; problems: string[]; warnings: { name: string; warning: string }[] };

/** Variables naming a Slack channel: a newcomer types `#sms` there, which after `= ` is a comment. */
const CHANNEL_VARIABLES: Readonly<Record<string, string>> = {
  SLACK_ALERT_CHANNEL: '',
  SLACK_INBOX_CHANNEL: ': until it is set, relayed SMS are posted in the alert channel',
};

// A value may hold U+2028 or U+2029, which `.` does not match (the line was then refused as a bad name); never a CR.
const ASSIGNMENT = /^[ \t]*(?:export[ \t]+)?([A-Za-z_][A-Za-z0-9_]*)[ \t]*=([^\r\n]*)$/;
/** `A.B=1`, `A-B=1`, `1A=2`: an assignment whose name is not one. */
const BAD_NAME = /^[ \t]*(?:export[ \t]+)?[^=\s#]+[ \t]*=/;
const QUOTES = ['"', "'", '`'];
/** What may follow a closing quote on its line: nothing, or a comment. */
const AFTER_QUOTE = /^[ \t]*(#[^\r\n]*)?$/;
const BLANK_OR_COMMENT = /^[ \t]*(#[^\r\n]*)?$/;

/** The file's values and what is wrong with it; a file that is not there is empty and fine. */
export function readEnvFile(path: string): EnvFileRead {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    const problem = unreadable(resolve(path), (error as NodeJS.ErrnoException).code);
    return { values: {}, problems: problem ? [problem] : [], warnings: [] };
  }
  return parseEnvText(text, resolve(path));
}

function unreadable(path: string, code: string | undefined): string | undefined {
  if (code === 'ENOENT') return danglingLink(path);
  if (code === 'EISDIR')
    return `${path} is a folder, not a file (Docker makes one when it bind-mounts a .env that does not exist): remove the folder and create the file, or mount an existing file`;
  if (code === 'EACCES' || code === 'EPERM')
    return `${path} cannot be read by this user (permission denied): give the user smsops runs as read access, or remove the file`;
  return `${path} cannot be read (${code ?? 'unknown error'}): fix or remove the file`;
}

/** Parses the text of an env file named `path` (in its problems). */
export function parseEnvText(text: string, path: string): EnvFileRead {
  // A BOM written by Windows editors would otherwise become part of the first name.
  // `\r\r\n`: a CRLF file converted to CRLF again (unix2dos, git's autocrlf over a Windows editor's file). A CR left
  // inside a line (a file with CR-only line ends, from classic Mac editors) makes it a problem: read as one line, it
  // hid every setting after the first, silently.
  const lines = text
    .replace(/^\uFEFF/, '')
    .split(/\r*\n/)
    .map((line) => line.replace(/\r+$/, ''));
  const values: Record<string, string> = {};
  const problems: string[] = [];
  const warnings: EnvFileRead['warnings'] = [];
  const at = (index: number) => `${path} line ${index + 1}`;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? '';
    if (BLANK_OR_COMMENT.test(line)) continue;
    const assignment = ASSIGNMENT.exec(line);
    if (!assignment) {
      problems.push(
        line.includes('\r')
          ? `${at(i)} holds a carriage return (CR) inside the line: the file may end its lines with CR alone (old Mac editors); save it with LF or CRLF line ends; nothing of it was read`
          : BAD_NAME.test(line)
            ? `${at(i)} names a variable with characters a name cannot hold (letters, digits and _ only, not starting with a digit); nothing of it was read`
            : `${at(i)} is not NAME=value (a comment starts with #; a value is set with = after the name, not a space or a colon); nothing of it was read`,
      );
      continue;
    }
    const [, name = '', rest = ''] = assignment;
    const value = rest.replace(/^[ \t]+/, '');
    const quote = value[0];
    if (quote !== undefined && QUOTES.includes(quote)) {
      const quoted = readQuoted(lines, i, value, quote);
      if (!quoted.ok) {
        problems.push(`${at(quoted.line)} ${quoted.problem}`);
        i = quoted.line;
        continue;
      }
      values[name] = quote === '"' ? quoted.value.replaceAll('\\n', '\n') : quoted.value;
      i = quoted.line;
      continue;
    }
    // As Docker Compose reads it: `#` starts a comment only after a space or tab, so a key or a URL may hold one. Looked
    // for before the spaces after `=` are dropped: `DATABASE_PATH= # default` is empty, not a file named "# default".
    const comment = rest.search(/[ \t]#/);
    values[name] = (comment === -1 ? rest : rest.slice(0, comment)).trim();
    // `SLACK_INBOX_CHANNEL= #sms-inbox`: a comment by the rule above, so the variable is unset without a word (the
    // alert channel then gets every SMS; SLACK_ALERT_CHANNEL was "required" though it was visibly set). A `#` glued to
    // a word is said; `# default`, a comment as one writes it, is not. The text itself is never repeated.
    if (comment !== -1 && values[name] === '' && /^[ \t]#[^\s#]/.test(rest.slice(comment)))
      warnings.push({
        name,
        warning: `${at(i)}: ${name}= #… is read as empty, since in .env a # after a space starts a comment; ${commentedValueAdvice(name)}`,
      });
  }
  return { values, problems, warnings };
}

function commentedValueAdvice(name: string): string {
  const channel = CHANNEL_VARIABLES[name];
  if (channel === undefined) return 'if the # is part of the value, remove the space after = or quote the value';
  return `a channel is set by its ID, not its #name: open the channel's details, the ID (C0123456789) is at the bottom of its About tab${channel}`;
}

/** A quoted value from `lines[start]` (already past `NAME=`), which may go on over the next lines. */
function readQuoted(
  lines: readonly string[],
  start: number,
  opened: string,
  quote: string,
): { ok: true; value: string; line: number } | { ok: false; problem: string; line: number } {
  let text = opened.slice(1);
  for (let i = start; i < lines.length; i++) {
    const close = text.indexOf(quote);
    if (close !== -1) {
      if (!AFTER_QUOTE.test(text.slice(close + 1)))
        return { ok: false, line: i, problem: `has text after the closing ${quote} of a quoted value: quote the value whole` };
      return { ok: true, value: text.slice(0, close), line: i };
    }
    if (i + 1 < lines.length) text = `${text}\n${lines[i + 1]}`;
  }
  return {
    ok: false,
    line: start,
    problem: `opens a quoted value with ${quote} that is never closed: close it, or remove the quote`,
  };
}

/**
 * A `.env` that is a link to a file not there (a secrets mount that failed): a problem, not "no .env", which would
 * start the sandbox in place of production without a word.
 */
function danglingLink(path: string): string | undefined {
  try {
    if (!lstatSync(path).isSymbolicLink()) return undefined;
    return `${path} is a link to ${readlinkSync(path)}, which does not exist: restore the file it points to, or remove the link`;
  } catch {
    return undefined;
  }
}

/** Whether a `.env` is there, a link to a missing file included (it is then read as a problem). */
export function envFileThere(path: string): boolean {
  try {
    lstatSync(path);
    return true;
  } catch {
    return false;
  }
}
