import { afterEach } from 'vitest';
import { createLogger, type Logger } from '../../src/log.js';
import { type OutboxWorker, type OutboxWorkerOptions, startOutboxWorker } from '../../src/relay/outbox.js';
import { createTempDb, type TempDb } from './tempDb.js';

/**
 * An outbox worker over a temporary database, per test. Call it at a test file's top level: it registers the afterEach
 * that stops the last worker started, removes the database and forgets the log, so a test cannot leave either behind.
 */
export function useOutboxWorkerRig(): {
  /** Every line the worker logged in this test (JSON text), for what an operator would read. */
  logLines: string[];
  logger: Logger;
  /** A fresh database for this test. */
  tempDb(): TempDb;
  /** startOutboxWorker, stopped after the test. */
  startWorker(options: OutboxWorkerOptions): OutboxWorker;
} {
  const logLines: string[] = [];
  let temp: TempDb | undefined;
  let worker: OutboxWorker | undefined;
  afterEach(async () => {
    await worker?.stop();
    worker = undefined;
    temp?.cleanup();
    temp = undefined;
    logLines.length = 0;
  });
  return {
    logLines,
    logger: createLogger({ level: 'debug', sink: (line) => logLines.push(line) }),
    tempDb: () => {
      temp = createTempDb();
      return temp;
    },
    startWorker: (options) => {
      worker = startOutboxWorker(options);
      return worker;
    },
  };
}
