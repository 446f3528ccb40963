import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { describeError } from '../../errors.js';
import { publicBaseUnreachable } from '../publicBaseReach.js';
import { type CheckGroup, shown } from './context.js';

// ── 5. PUBLIC_BASE_URL answers ───────────────────────────────────────────────────────────────────────────────────

const HAIRPIN_NOTE =
  'Checked from smsops’ own host: behind NAT the request may loop back inside (hairpin NAT), so this is strong evidence, not proof, that the internet reaches smsops.';
const HAIRPIN_FAILURE_NOTE =
  'If smsops sits behind NAT, a router without hairpin NAT makes this fail from inside even when the internet reaches smsops: check from outside with `curl <PUBLIC_BASE_URL>/healthz`.';

interface HealthBody {
  status: string;
  db: unknown;
  reasons?: unknown;
}

const healthSchema = (body: unknown): body is HealthBody =>
  typeof body === 'object' && body !== null && 'status' in body && 'db' in body;

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

function probeFailure(error: unknown): string {
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' ? `${code} (${describeError(error)})` : describeError(error);
}

const HEALTH_BODY_MAX = 64 * 1024;

/**
 * GET through node:http(s), as Wavix would reach smsops: redirects are not followed (Wavix posts to the URL as set),
 * the certificate is checked against the same trust as every other probe here.
 */
function httpGet(url: string, signal: AbortSignal, ca: string[] | undefined): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const target = new URL(url);
    const options = { signal, agent: false, headers: { 'user-agent': 'smsops-doctor' }, ...(ca ? { ca } : {}) };
    const request = (target.protocol === 'https:' ? httpsRequest : httpRequest)(target, options, (response) => {
      const chunks: Buffer[] = [];
      let size = 0;
      response.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size <= HEALTH_BODY_MAX) chunks.push(chunk);
      });
      response.on('end', () => resolve({ status: response.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
      response.on('error', reject);
    });
    request.on('error', reject);
    request.end();
  });
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
    const unreachable = deps.services.wavixOnThisHost ? null : publicBaseUnreachable(url);
    let response: { status: number; text: string };
    try {
      response = await httpGet(url, signal, deps.trustedCa);
    } catch (error) {
      const after = unreachable ? `${unreachable}.` : HAIRPIN_FAILURE_NOTE;
      return [{ ...base, status: 'failure', reason: `${shown(url)} does not answer: ${probeFailure(error)}. ${after}` }];
    }
    let body: unknown;
    try {
      body = JSON.parse(response.text);
    } catch {
      body = undefined;
    }
    if (!healthSchema(body)) {
      return [
        {
          ...base,
          status: 'failure',
          reason: `${shown(url)} answers HTTP ${response.status}, but not with smsops’ health report: something else (a proxy, another service) answers at that address, so Wavix’s webhooks would not reach smsops.`,
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
