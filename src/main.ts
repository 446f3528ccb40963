/**
 * The process entry (`node dist/main.js`, `npm start`). Two files because the young generation's hold must be set
 * before the rest of smsops is even loaded: a static import of the app would be compiled, and its start-up garbage
 * made, before any line of this file ran (src/youngGenerationAtStart.ts says why the hold).
 */
import './youngGenerationAtStart.js';

await import('./processMain.js');
