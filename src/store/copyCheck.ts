import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import { SECURE_DELETE_PRAGMA } from './database.js';

/**
 * Plain CommonJS run with `eval`, so the worker needs neither tsx nor a build step to start. The same verdict as
 * integrityProblem (./backup.ts): null when sound, else the first five findings, or why the copy could not be opened.
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const say = (error) => String((error && error.message) || error);
let answer;
try {
  const copy = new Database(workerData.path, { fileMustExist: true });
  try { copy.pragma('${SECURE_DELETE_PRAGMA}'); copy.pragma('journal_mode = DELETE'); } finally { copy.close(); }
} catch (error) { answer = { failed: say(error) }; }
if (!answer) {
  let copy;
  try {
    copy = new Database(workerData.path, { fileMustExist: true, readonly: true });
    const found = copy.pragma('integrity_check').map((row) => row.integrity_check).filter((line) => line !== 'ok');
    answer = { problem: found.length === 0 ? null : found.slice(0, 5).join('; ') };
  } catch (error) { answer = { problem: say(error) }; }
  finally { if (copy) copy.close(); }
}
parentPort.postMessage(answer);
`;

/**
 * Readies a fresh backup copy and checks it, in a worker thread with its own connections: `PRAGMA integrity_check`
 * reads every page and index of the copy (3.1 s for 1 GB), and on the event loop it held every webhook and /healthz
 * answer for that long. First the copy is made one self-contained file: it carries the WAL flag of its source, and a
 * WAL file beside a backup is easy to lose when it is moved (smsops turns WAL back on when it opens a restored copy).
 * Resolves to null when the copy is sound, else what SQLite found; rejects when the copy could not be readied.
 */
export function checkCopy(path: string): Promise<string | null> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: { driver: createRequire(import.meta.url).resolve('better-sqlite3'), path },
    });
    let answered = false;
    worker.once('message', (answer: { failed?: string; problem?: string | null }) => {
      answered = true;
      if (answer.failed !== undefined) reject(new Error(answer.failed));
      else resolve(answer.problem ?? null);
    });
    worker.once('error', (error) => {
      answered = true;
      reject(new Error(`the copy could not be checked: ${error instanceof Error ? error.message : String(error)}`));
    });
    worker.once('exit', (code) => {
      if (!answered) reject(new Error(`the copy could not be checked: its worker stopped (exit code ${code})`));
    });
  });
}
