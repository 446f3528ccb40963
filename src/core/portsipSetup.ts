import { AppError, err, ok, type Result } from '../errors.js';
import { attempt } from './access.js';
import { destinationRemark } from './destinationUrls.js';
import { parsePhoneNumber } from './phone.js';
import type { PortsipApi, PortsipProvider, PortsipSmsConfiguration } from './ports/portsip.js';
import type { RoutesRepository } from './ports/routes.js';
import { encodeCopiedUrl } from './urls.js';

/**
 * Setup read from PortSIP's REST API instead of typed by hand: which smsops routes would send Wavix's inbound SMS to
 * PortSIP's SMS configurations, and which DIDs PortSIP has no inbound rule for (such a message is presumably dropped,
 * notes §1 and §4). Nothing here changes anything; applying a proposal is `/sms route set`.
 */
export interface PortsipSetupDeps {
  portsip: PortsipApi;
  routes: RoutesRepository;
}

export interface RouteProposal {
  /** The route key `/sms route set` takes: `default`, or a number in E.164. */
  number: string;
  /** The SMS configuration's webhook exactly as PortSIP gives it. Its last segment is a secret: show it masked. */
  portsipUrl: string;
  configuration: { id: string; name: string; providerName: string | null; providerBrand: string | null };
  /** smsops' current PortSIP URL for that key; null when there is no route (or it has only a Slack channel). */
  currentUrl: string | null;
  alreadyInPlace: boolean;
  /** Other Wavix configurations whose trunk also lists this number (e.g. one shared trunk, several tenants). */
  alsoClaimedBy: string[];
  /** Loopback or private address: worth a look, still usable. */
  destinationNote: string | null;
  /** Why `/sms route set` would refuse this URL (a metadata or link-local address…); such a proposal has no button. */
  refusedBecause: string | null;
}

export interface InboundRuleCheck {
  /** As given (Wavix's digits form, e.g. `14155550100`). */
  did: string;
  /** The name of the enabled inbound rule covering it, or null. */
  rule: string | null;
}

export class PortsipSetupError extends AppError {
  constructor(message: string, userMessage: string) {
    super(message, userMessage);
    this.name = 'PortsipSetupError';
  }
}

/** A range larger than this is not expanded into per-number routes; that many routes would be typed by nobody. */
const MAX_RANGE_SIZE = 1000;

/**
 * Matching DIDs. PortSIP documents neither how it normalises Wavix's `to` for SMS nor what its tenant-wide E.164
 * processing does to SMS (notes §4 [?]), so a number matches when its digits match with or without a leading `+`
 * and with or without the NANP `1`: `+14155550100`, `14155550100` and `4155550100` are one number. Treating a
 * 10-digit number as NANP is safe here because Wavix offers inbound SMS on US and Canadian numbers only.
 */
export function canonicalDid(text: string): string {
  const digits = text.replace(/\D/g, '');
  return digits.length === 10 ? `1${digits}` : digits;
}

/** An entry of a PortSIP DID list: one number, or `A-B` (both ends included, compared as numbers of equal length). */
function parseDidEntry(entry: string): { from: string; to: string } | null {
  const [first = '', second, ...rest] = entry.split('-');
  if (rest.length > 0) return null;
  const from = canonicalDid(first);
  const to = second === undefined ? from : canonicalDid(second);
  if (from === '' || to === '' || from.length !== to.length) return null;
  return { from, to };
}

export function didEntryCovers(entry: string, did: string): boolean {
  const range = parseDidEntry(entry);
  const wanted = canonicalDid(did);
  if (!range || wanted.length !== range.from.length) return false;
  return BigInt(range.from) <= BigInt(wanted) && BigInt(wanted) <= BigInt(range.to);
}

/** Every number of a trunk's DID pool, in E.164. */
function expandDidPool(provider: PortsipProvider): Result<string[]> {
  const numbers: string[] = [];
  for (const entry of provider.didNumbers) {
    const range = parseDidEntry(entry);
    if (!range) {
      return err(
        new PortsipSetupError(
          `trunk ${provider.name}: unreadable DID pool entry ${JSON.stringify(entry)}`,
          `The DID pool of PortSIP trunk "${provider.name}" has an entry smsops cannot read ("${entry}"); set routes per number by hand.`,
        ),
      );
    }
    const size = BigInt(range.to) - BigInt(range.from) + 1n;
    if (size < 1n || size > BigInt(MAX_RANGE_SIZE)) {
      return err(
        new PortsipSetupError(
          `trunk ${provider.name}: DID range ${entry} has ${size} numbers`,
          `The DID pool of PortSIP trunk "${provider.name}" has a range of ${size} numbers (${entry}); smsops proposes per-number routes for at most ${MAX_RANGE_SIZE}. Set the routes by hand.`,
        ),
      );
    }
    for (let n = BigInt(range.from); n <= BigInt(range.to); n++) {
      const digits = n.toString().padStart(range.from.length, '0');
      const phone = parsePhoneNumber(`+${digits}`);
      if (!phone.ok) {
        return err(
          new PortsipSetupError(
            `trunk ${provider.name}: DID ${digits} is not a phone number`,
            `The DID pool of PortSIP trunk "${provider.name}" has ${digits}, which is not a valid international number.`,
          ),
        );
      }
      numbers.push(phone.value.e164);
    }
  }
  return ok(numbers);
}

/** Wavix, by the trunk's brand ("Wavix - US", "Wavix – Asia") or, failing that, its name. */
function isWavix(config: PortsipSmsConfiguration): boolean {
  return /wavix/i.test(config.providerBrand ?? '') || /wavix/i.test(config.providerName ?? '');
}

function proposal(deps: PortsipSetupDeps, number: string, config: PortsipSmsConfiguration, url: string): RouteProposal {
  const currentUrl = deps.routes.get(number)?.portsipUrl ?? null;
  const remark = destinationRemark(url);
  return {
    number,
    portsipUrl: url,
    configuration: { id: config.id, name: config.name, providerName: config.providerName, providerBrand: config.providerBrand },
    currentUrl,
    // The same URL pasted with `%20` or with spaces is the same destination.
    alreadyInPlace: currentUrl !== null && encodeCopiedUrl(currentUrl) === encodeCopiedUrl(url),
    alsoClaimedBy: [],
    destinationNote: remark.note,
    refusedBecause: remark.refused,
  };
}

/**
 * Routes that send Wavix's inbound SMS to PortSIP. One enabled Wavix SMS configuration: `default` → its webhook.
 * Several (several tenants on one Wavix account): one route per DID of each configuration's trunk, since one
 * account-wide default cannot reach them all. Disabled configurations and other providers are left out.
 */
export async function proposeRoutes(deps: PortsipSetupDeps): Promise<Result<RouteProposal[]>> {
  const listed = await attempt('list PortSIP SMS configurations', () => deps.portsip.listSmsConfigurations());
  if (!listed.ok) return listed;
  const wavix = listed.value.filter((c) => c.enabled && isWavix(c) && c.webhook);
  const [only] = wavix;
  if (wavix.length === 0) return ok([]);
  if (wavix.length === 1 && only?.webhook) return ok([proposal(deps, 'default', only, only.webhook)]);

  const trunks = await attempt('list PortSIP trunks', () => deps.portsip.listProviders());
  if (!trunks.ok) return trunks;
  const proposals: RouteProposal[] = [];
  for (const config of wavix) {
    const trunk = trunks.value.find((p) => p.id === config.providerId);
    if (!trunk) {
      return err(
        new PortsipSetupError(
          `SMS configuration ${config.name}: trunk ${config.providerId ?? '(none)'} not listed`,
          `PortSIP did not list the trunk of SMS configuration "${config.name}", so smsops cannot tell its numbers. Set the routes per number by hand, or use a PortSIP user that can see the trunks.`,
        ),
      );
    }
    const numbers = expandDidPool(trunk);
    if (!numbers.ok) return numbers;
    for (const number of numbers.value) proposals.push(proposal(deps, number, config, config.webhook ?? ''));
  }
  for (const p of proposals) {
    p.alsoClaimedBy = proposals
      .filter((other) => other.number === p.number && other.configuration.id !== p.configuration.id)
      .map((other) => other.configuration.name);
  }
  return ok(proposals);
}

/**
 * Which DIDs have an enabled inbound rule in PortSIP (SMS uses the same rules as calls). Any trunk's rule counts: the
 * REST API does not say whether PortSIP also matches the trunk for SMS [?]. A disabled rule does not count.
 */
export async function checkInboundRules(
  deps: Pick<PortsipSetupDeps, 'portsip'>,
  dids: string[],
): Promise<Result<InboundRuleCheck[]>> {
  const rules = await attempt('list PortSIP inbound rules', () => deps.portsip.listInboundRules());
  if (!rules.ok) return rules;
  const enabled = rules.value.filter((r) => r.enabled);
  return ok(
    dids.map((did) => ({
      did,
      rule: enabled.find((r) => r.didNumbers.some((entry) => didEntryCovers(entry, did)))?.name ?? null,
    })),
  );
}

/** PortSIP's SMS/MMS configurations (`GET /api/sms`), each with the inbound webhook URL it takes SMS on. */
export function readSmsConfigurations(deps: Pick<PortsipSetupDeps, 'portsip'>): Promise<Result<PortsipSmsConfiguration[]>> {
  return attempt('list PortSIP SMS configurations', () => deps.portsip.listSmsConfigurations());
}
