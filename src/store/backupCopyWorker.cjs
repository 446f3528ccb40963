// The backup's copy, made in a worker thread (started by ./backupCopy.ts): its own read-only connection to the
// database copies the pages, readies and checks the copy, flushes it, renames it into place and flushes the folder.
// On the event loop the page-copy steps took 17-22 ms of CPU per run and a cold page read 61-173 ms, every webhook's
// answer waiting meanwhile; here they take none of the main thread's time.
// Plain CommonJS in a file of its own: Node loads it as it is from src/ (tsx, vitest) and from dist/ (scripts/build.mjs
// copies every file of src/ that is not TypeScript), so the worker needs no TypeScript loader in either.
'use strict';
const fs = require('node:fs');
const { dirname } = require('node:path');
const { isMainThread, parentPort, workerData } = require('node:worker_threads');

const say = (error) => String(error?.message || error);

/** Told by ./backupCopy.ts to stop (a stall, a cancelled run): the copy ends at its next step, nothing published. */
class Stopped extends Error {}
const stopIfTold = (data) => {
  if (data.stop && Atomics.load(new Int32Array(data.stop), 0) === 1) throw new Stopped('the copy was told to stop');
};

/**
 * The last of the copy, in this order: the file's data on disk, then the rename, then the folder's entry on disk.
 * Without the folder's fsync a power cut after the run could leave no backup under the new name (the rename still
 * only in memory) while the run, and the pruning of older backups, had counted it made.
 */
function publishCopy(files, partial, final) {
  const copy = files.openSync(partial, 'r+');
  try {
    files.fsyncSync(copy);
  } finally {
    files.closeSync(copy);
  }
  files.renameSync(partial, final);
  const folder = files.openSync(dirname(final), 'r');
  try {
    files.fsyncSync(folder);
  } finally {
    files.closeSync(folder);
  }
}

/**
 * Makes the copy one self-contained file and checks it: it carries the WAL flag of its source, and a WAL file beside a
 * backup is easy to lose when it is moved (smsops turns WAL back on when it opens a restored copy). Returns null when
 * sound, else what SQLite found (the first five findings).
 */
function readyAndCheck(Database, path, secureDeletePragma) {
  const ready = new Database(path, { fileMustExist: true });
  try {
    ready.pragma(secureDeletePragma);
    ready.pragma('journal_mode = DELETE');
  } finally {
    ready.close();
  }
  const copy = new Database(path, { fileMustExist: true, readonly: true });
  try {
    const found = copy
      .pragma('integrity_check')
      .map((row) => row.integrity_check)
      .filter((line) => line !== 'ok');
    return found.length === 0 ? null : found.slice(0, 5).join('; ');
  } finally {
    copy.close();
  }
}

/** The pages, from the worker's own read-only connection to the database file. */
async function copyPages(Database, data, post) {
  const hold = data.hold ? new Int32Array(data.hold) : undefined;
  const source = new Database(data.source, { fileMustExist: true, readonly: true });
  try {
    source.pragma('busy_timeout = 1000');
    // One read transaction for the whole copy: between SQLite's backup steps, a commit by smsops' own connection
    // (another connection, from here) restarted the copy from its first page, and a steady flow of webhooks could
    // restart it for ever. Held, the copy is the database as of this read: everything committed before it began.
    // Meanwhile the WAL cannot restart past this read (./walCheckpointer.ts: its checkpoints are PASSIVE and never
    // wait for it), so it grows with what is written during the copy: about a second for 50 MB here, and the WAL's
    // limit (64 MB) is reached only by a long copy under heavy traffic. A `/sms forget` during a backup finds this
    // reader holding the WAL and says so.
    source.exec('BEGIN');
    source.prepare('SELECT count(*) FROM sqlite_schema').get();
    // Created 0600 before SQLite writes a page into it: the copy holds every message, and is never readable by others,
    // not even for the time the copy takes (SQLite keeps an existing file's mode).
    const fd = fs.openSync(data.partial, 'wx', data.fileMode);
    let steps = 0;
    try {
      await source.backup(data.partial, {
        progress: ({ totalPages, remainingPages }) => {
          stopIfTold(data);
          steps += 1;
          post({ progress: { totalPages, remainingPages } });
          // Flushed along the way: the last step's commit otherwise fsyncs the whole copy at once.
          if (steps % data.stepsPerFlush === 0) fs.fdatasyncSync(fd);
          if (hold && steps === 1) {
            post({ held: true });
            Atomics.wait(hold, 0, 0);
            stopIfTold(data);
          }
          return data.pagesPerStep;
        },
      });
    } finally {
      // Closed only once SQLite let go of the copy: closing any descriptor of a file drops the process's locks on it.
      fs.closeSync(fd);
    }
    source.exec('COMMIT');
  } finally {
    source.close();
  }
}

async function copyDatabase(data, post) {
  const Database = require(data.driver);
  let stage = 'copying the pages';
  try {
    // Already copied through smsops' own connection when the file at the path is not the one it has open (./backup.ts).
    if (!data.pagesCopied) await copyPages(Database, data, post);
    stopIfTold(data);
    fs.chmodSync(data.partial, data.fileMode);
    stage = 'checking the copy';
    const problem = readyAndCheck(Database, data.partial, data.secureDeletePragma);
    if (problem) return { problem };
    stopIfTold(data);
    stage = 'writing the copy to disk';
    publishCopy(fs, data.partial, data.final);
    return { done: { bytes: fs.statSync(data.final).size } };
  } catch (error) {
    return { failed: `${stage}: ${say(error)}`, code: error?.code };
  }
}

if (!isMainThread && workerData && workerData.backupCopy) {
  const post = (message) => parentPort.postMessage(message);
  copyDatabase(workerData.backupCopy, post).then(post, (error) => post({ failed: say(error) }));
}

module.exports = { publishCopy };
