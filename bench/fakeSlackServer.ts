import { startFakeSlack } from '../src/sandbox/fakeSlackApi.js';

/**
 * The project's fake Slack Web API as its own process (`tsx bench/fakeSlackServer.ts`), so that a benchmark's Slack leg
 * talks to something that answers like Slack (auth.test, a unique `ts` per post, chat.update) without sharing a core's
 * event loop with the load generator. Prints `{"msg":"fake slack listening","url":...}` when ready; every
 * `--forget-every-ms` (10 s) it forgets the calls it recorded, so a long run does not grow its memory; it keeps counts.
 */

const forgetAt = process.argv.indexOf('--forget-every-ms');
const forgetEveryMs = Number(forgetAt >= 0 ? process.argv[forgetAt + 1] : 10_000) || 10_000;

const counts = new Map<string, number>();
const slack = await startFakeSlack({
  enforceLimits: true,
  onRecord: (record) => {
    if (record.kind === 'call') counts.set(record.call.method, (counts.get(record.call.method) ?? 0) + 1);
  },
});
const forget = setInterval(() => slack.reset(), forgetEveryMs);
process.stdout.write(`${JSON.stringify({ msg: 'fake slack listening', url: slack.url })}\n`);

const stop = () => {
  clearInterval(forget);
  process.stdout.write(`${JSON.stringify({ msg: 'fake slack stopped', calls: Object.fromEntries(counts) })}\n`);
  slack.close().finally(() => process.exit(0));
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
