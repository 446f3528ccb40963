/**
 * The process entry (`node dist/main.js`, `npm start`). Two files because the young generation's hold must be set
 * before the rest of smsops is even loaded: a static import of the app would be compiled, and its start-up garbage
 * made, before any line of this file ran (src/youngGenerationAtStart.ts says why the hold).
 */
import './youngGenerationAtStart.js';
import { descriptorsRanOut, openFileLimit, openFileLimitProblem } from './openFileLimit.js';

// Checked before loading the rest, which is what runs out first: exit 2 stops systemd's restarts
// (RestartPreventExitStatus=2), since every start would fail the same way until the limit is raised.
const limit = openFileLimit();
const limitProblem = openFileLimitProblem(limit);
if (limitProblem) {
  // Plain, not a log line: the logger is part of what is not loaded yet, and loading it may be what runs out.
  process.stderr.write(`${limitProblem}\n`);
  process.exitCode = 2;
} else {
  try {
    await import('./processMain.js');
  } catch (error) {
    const ranOut = descriptorsRanOut(error, limit);
    if (!ranOut) throw error;
    // Said in words, not as the loader's stack trace; exit rather than wait, in case something was left running.
    process.stderr.write(`${ranOut}\n`);
    process.exit(2);
  }
}
