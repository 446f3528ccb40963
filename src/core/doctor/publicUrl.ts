import { z } from 'zod';
import { describeError } from '../../errors.js';
import { connectionFailureInWords } from '../connectionFailure.js';
import { publicBaseUnreachable } from '../publicBaseReach.js';
import { type CheckGroup, shown } from './context.js';
import type { HealthAnswer } from './types.js';

// ── 5. PUBLIC_BASE_URL answers ───────────────────────────────────────────────────────────────────────────────────

const HAIRPIN_NOTE =
  'Checked from smsops’ own host: behind NAT the request may loop back inside (hairpin NAT), so this is strong evidence, not proof, that the internet reaches smsops.';
const HAIRPIN_FAILURE_NOTE =
  'If smsops sits behind NAT, a router without hairpin NAT makes this fail from inside even when the internet reaches smsops: check from outside with `curl <PUBLIC_BASE_URL>/healthz`.';

/**
 * smsops' health report (src/http/health.ts), as far as this check reads it: the keys `status` and `db` present
 * (whatever their values: a report of another version still says smsops answers), `reasons` quoted when it is a list
 * of words. zod 4 requires a z.unknown() key to be present, as the `in` test this replaced did.
 */
const healthSchema = z.looseObject({ status: z.unknown(), db: z.unknown(), reasons: z.unknown().optional() });
type HealthBody = z.infer<typeof healthSchema>;

/** The answer's body as a health report, or undefined: not JSON, or JSON of something else answering there. */
function healthReport(text: string): HealthBody | undefined {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return undefined; // not JSON: said below as "not smsops' health report"
  }
  const parsed = healthSchema.safeParse(json);
  return parsed.success ? parsed.data : undefined;
}

const QUOTED_REASONS_MAX = 400;

/**
 * smsops answering at the address is what this check is about; that it reports itself failing (a relay backlog, an
 * unwritable database) is said with its own reasons, and where to read them, not as a fault of the address.
 */
function selfReportedFailing(status: number, body: HealthBody): string {
  if (status === 200 && body.status === 'ok') return '';
  const reasons = Array.isArray(body.reasons) ? body.reasons.filter((r): r is string => typeof r === 'string') : [];
  const said = reasons.length > 0 ? reasons.join('; ') : `database: ${String(body.db)}`;
  const quoted = said.length > QUOTED_REASONS_MAX ? `${said.slice(0, QUOTED_REASONS_MAX - 1)}…` : said;
  return ` It reports itself failing there (HTTP ${status}): “${quoted}”. That is smsops’ own state, not the address’s: /healthz says the same to any monitor, and the relay checks here and \`/sms relay status\` show what is behind it.`;
}

/** In words with its code ("connection refused (ECONNREFUSED)"); Node's own text only for a failure smsops cannot name. */
function probeFailure(error: unknown): string {
  const code = (error as { code?: unknown }).code;
  const text = `${typeof code === 'string' ? `${code} ` : ''}${describeError(error)}`;
  const words = connectionFailureInWords(text);
  if (words) return words;
  return typeof code === 'string' ? `${code} (${describeError(error)})` : describeError(error);
}

export const publicUrlGroup: CheckGroup = {
  id: 'public-url',
  title: 'PUBLIC_BASE_URL reachable',
  run: async ({ deps, signal }) => {
    const base = { id: 'public-url', title: 'PUBLIC_BASE_URL reachable' };
    if (!deps.publicBaseUrl) {
      return [{ ...base, status: 'skipped', reason: 'Not checked: PUBLIC_BASE_URL is not set (see “Inbound webhooks”).' }];
    }
    const url = `${deps.publicBaseUrl.replace(/\/+$/, '')}/healthz`;
    // An answer from a loopback or private host proves only that smsops answers here, never that Wavix reaches it.
    const unreachable = deps.services.wavixOnThisHost ? null : publicBaseUnreachable(deps.publicBaseUrl);
    let response: HealthAnswer;
    try {
      response = await deps.healthProbe(url, { signal, ca: deps.trustedCa });
    } catch (error) {
      const after = unreachable ? `${unreachable}.` : HAIRPIN_FAILURE_NOTE;
      return [{ ...base, status: 'failure', reason: `${shown(url)} does not answer: ${probeFailure(error)}. ${after}` }];
    }
    const body = healthReport(response.text);
    if (!body) {
      return [
        {
          ...base,
          status: 'failure',
          reason: `${shown(url)} answers HTTP ${response.status}, but not with smsops’ health report: ${unreachable ? `${unreachable}.` : 'something else (a proxy, another service) answers at that address, so Wavix’s webhooks would not reach smsops.'}`,
        },
      ];
    }
    const failing = selfReportedFailing(response.status, body);
    if (unreachable) {
      return [
        {
          ...base,
          status: 'warning',
          reason: `${shown(url)} answers with smsops’ health report, but only from here: ${unreachable}.${failing}`,
        },
      ];
    }
    if (new URL(url).protocol === 'http:') {
      return [
        {
          ...base,
          status: 'warning',
          reason: `${shown(url)} answers with smsops’ health report, but over plain HTTP: Wavix’s webhooks (SMS texts, smsops’ webhook secret) would cross the internet unencrypted. Put smsops behind HTTPS.${failing} ${HAIRPIN_NOTE}`,
        },
      ];
    }
    return [{ ...base, status: 'ok', reason: `${shown(url)} answers with smsops’ health report.${failing} ${HAIRPIN_NOTE}` }];
  },
};
