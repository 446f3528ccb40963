import type { Result } from '../errors.js';
import { backupsGroup } from './doctor/backups.js';
import { channelLookups, isRateLimited, rateLimitedWording } from './doctor/channelLookups.js';
import { type CheckGroup, DEFAULT_GROUP_LIMIT_MS, type DoctorContext, GroupProgress, reasonOf } from './doctor/context.js';
import { portsipConfigurationsGroup } from './doctor/portsipConfigurations.js';
import { portsipGroup } from './doctor/portsipRoutes.js';
import { publicUrlGroup } from './doctor/publicUrl.js';
import { channelsGroup, portsipRulesGroup, relayGroup } from './doctor/relayAndChannels.js';
import { routeNumbersGroup } from './doctor/routeNumbers.js';
import { slackScopesGroup } from './doctor/slackScopes.js';
import { tenDlcWebhooksGroup } from './doctor/tenDlcWebhooks.js';
import type { CheckStatus, DoctorCheck, DoctorDeps, DoctorReport } from './doctor/types.js';
import { numbersGroup, senderIdsGroup, wavixKey, webhooksGroup } from './doctor/wavixAccount.js';
import { doctorWavix, WAVIX_GROUP_LIMIT_MS } from './doctor/wavixReads.js';
import type { NumbersOverview } from './numbers.js';

/**
 * `/sms doctor`: every link of the SMS chain checked at once (Wavix key → numbers → Sender IDs → webhooks → public
 * URL → PortSIP → relay → Slack channels → PortSIP inbound rules), each with a status, a reason in words and, where
 * one click fixes it, the fix. Read-only: nothing here changes Wavix, PortSIP or the store's configuration.
 */

/** "7 ok, 2 warnings, 1 failure" (and ", 1 skipped" when something was not checked). */
export function summaryLine(counts: Record<CheckStatus, number>): string {
  const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
  const parts = [`${counts.ok} ok`, plural(counts.warning, 'warning'), plural(counts.failure, 'failure')];
  if (counts.skipped > 0) parts.push(`${counts.skipped} skipped`);
  return parts.join(', ');
}

// ── Running the groups ───────────────────────────────────────────────────────────────────────────────────────────

class CheckTimeout extends Error {}

type SharedContext = Omit<DoctorContext, 'signal' | 'timeoutMs' | 'progress'>;

const hangs = (timeoutMs: number) =>
  `No answer within ${timeoutMs / 1000} s: this link hangs (a firewall dropping packets, or a service that accepts connections and never answers).`;

/** One group under its time limit; a group out of time keeps what it found (GroupProgress) and names what hung. */
export async function runGroup(group: CheckGroup, ctx: SharedContext, timeoutMs: number): Promise<DoctorCheck[]> {
  const controller = new AbortController();
  const progress = new GroupProgress();
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      controller.abort();
      reject(new CheckTimeout());
    }, timeoutMs);
  });
  // A group that ran out of time after Slack rate-limited its look-ups was waiting on Slack's limit, not on a dead link.
  let rateLimited: { retryAfterSeconds?: number } | undefined;
  const channelMembership = async (channel: string) => {
    const seen = await ctx.deps.channelMembership(channel);
    if (isRateLimited(seen)) rateLimited = seen;
    return seen;
  };
  const deps = { ...ctx.deps, channelMembership };
  // A group out of time while the numbers were still being listed (they have the longer Wavix limit) waited on Wavix.
  let listing = false;
  const numbers = () => {
    const read = ctx.numbers();
    listing = true;
    const done = () => {
      listing = false;
    };
    read.then(done, done);
    return read;
  };
  try {
    return await Promise.race([group.run({ ...ctx, deps, numbers, signal: controller.signal, timeoutMs, progress }), timedOut]);
  } catch (error) {
    if (error instanceof CheckTimeout && rateLimited) {
      const reason = `${rateLimitedWording(rateLimited.retryAfterSeconds)}: run \`/sms doctor\` again after that.`;
      return [{ id: group.id, title: group.title, status: 'warning', reason }];
    }
    if (error instanceof CheckTimeout && listing) {
      const reason = `Not checked within ${timeoutMs / 1000} s: it needs the numbers, which Wavix was still listing (see “Numbers”).`;
      return [{ id: group.id, title: group.title, status: 'skipped', reason }];
    }
    if (error instanceof CheckTimeout && progress.finished.length + progress.running.size > 0) {
      // What finished is reported as found; only what was still running is said not to have answered.
      const unfinished: DoctorCheck[] = [...progress.running].map((base) => ({
        ...base,
        status: 'failure',
        reason: hangs(timeoutMs),
      }));
      if (unfinished.length === 0) {
        const reason = `Not finished within ${timeoutMs / 1000} s: the checks listed for it finished, the rest did not (a link that hangs, or one too slow).`;
        unfinished.push({ id: group.id, title: group.title, status: 'failure', reason });
      }
      return [...progress.finished, ...unfinished];
    }
    const reason = error instanceof CheckTimeout ? hangs(timeoutMs) : `The check itself failed: ${reasonOf(error)}`;
    return [{ id: group.id, title: group.title, status: 'failure', reason }];
  } finally {
    clearTimeout(timer);
    // Probes still in flight (a socket, a fetch) are cut, so a hung link leaves nothing open behind doctor.
    controller.abort();
  }
}

/** Runs every check concurrently, each group under its own time limit; a thrown or hung check is a failure, never a crash. */
export async function runDoctor(given: DoctorDeps): Promise<DoctorReport> {
  const timeoutMs = given.timeoutMs ?? DEFAULT_GROUP_LIMIT_MS;
  const wavixTimeoutMs = given.wavixTimeoutMs ?? Math.max(WAVIX_GROUP_LIMIT_MS, timeoutMs);
  // Wavix's calls end with the report; they give up a little before their groups' limit, so the group words why.
  const stop = new AbortController();
  const reads = doctorWavix(given.services.wavix, stop.signal, Date.now() + wavixTimeoutMs - Math.min(1_000, wavixTimeoutMs / 5));
  const services = { ...given.services, wavix: reads.wavix };
  let numbers: Promise<Result<NumbersOverview>> | undefined;
  const deps: DoctorDeps = { ...given, services, channelMembership: channelLookups(given.channelMembership) };
  const ctx = { deps, numbers: () => (numbers ??= reads.numbers(services)) };
  let results: DoctorCheck[][];
  try {
    results = await Promise.all(GROUPS.map((group) => runGroup(group, ctx, group.readsWavix ? wavixTimeoutMs : timeoutMs)));
  } finally {
    stop.abort();
  }
  const ignored = [...(deps.ignoredNumbers ?? [])];
  const ignoredBy = new Map(ignored.map((entry) => [entry.number, entry]));
  const checks = results.flat().map((check) => {
    const entry = check.number ? ignoredBy.get(check.number) : undefined;
    return entry ? { ...check, ignored: entry } : check;
  });
  const counts: Record<CheckStatus, number> = { ok: 0, warning: 0, failure: 0, skipped: 0 };
  for (const check of checks) if (!check.ignored) counts[check.status] += 1;
  return { checks, counts, ignored };
}

/** In the order of the chain an inbound SMS travels, which the report keeps (the Slack message lists failures first). */
const GROUPS: CheckGroup[] = [
  wavixKey,
  numbersGroup,
  routeNumbersGroup,
  senderIdsGroup,
  webhooksGroup,
  tenDlcWebhooksGroup,
  publicUrlGroup,
  portsipGroup,
  relayGroup,
  channelsGroup,
  slackScopesGroup,
  portsipRulesGroup,
  portsipConfigurationsGroup,
  backupsGroup,
];
