import type { AuditRepository } from '../core/ports/audit.js';
import type { SettingsRepository } from '../core/ports/settings.js';
import { maskUrl } from '../core/urls.js';
import type { Logger } from '../log.js';
import { type MoveDeps, type RetargetResult, retargetDeliveries } from './retarget.js';

/** PORTSIP_WEBHOOK_URL as the last start read it ('' for unset): a change is seen at the next start. */
export const PORTSIP_URL_SEEN_SETTING = 'portsip_webhook_url_seen';

/** The audit's actor for what smsops did because its environment changed. */
export const CONFIGURATION_ACTOR = 'configuration';

export interface PortsipUrlChangeDeps extends MoveDeps {
  settings: SettingsRepository;
  audit: AuditRepository;
  transaction: <T>(work: () => T) => T;
  logger: Logger;
}

/**
 * A PORTSIP_WEBHOOK_URL fixed in the environment (and smsops restarted) is a route change like `/sms route set
 * default`: the deliveries still waiting for the old URL move to the route now in force (the stored `default` route
 * if there is one, as for any message; else the new URL), due now with a fresh retry window, logged and audited. They
 * would otherwise retry the old URL until dead. Run at start, before the relay claims anything, in one transaction
 * with the record of the URL seen; returns what moved, or null when the URL is the one seen last (or never seen).
 */
export function followPortsipUrlChange(deps: PortsipUrlChangeDeps, current: string | null): RetargetResult | null {
  const change = deps.transaction(() => {
    const seen = deps.settings.get(PORTSIP_URL_SEEN_SETTING);
    if (seen === (current ?? '')) return null;
    deps.settings.set(PORTSIP_URL_SEEN_SETTING, current ?? '');
    // Never seen (the first start, or one before smsops kept it): nothing to compare with.
    if (seen === undefined) return null;
    const result =
      seen === ''
        ? { moved: 0, unrouted: 0, movedFrom: [] }
        : retargetDeliveries(deps, 'default', { kind: 'portsip', destination: seen });
    deps.audit.record({
      actor: CONFIGURATION_ACTOR,
      action: 'route.set',
      target: 'PORTSIP_WEBHOOK_URL',
      params: {
        from: seen === '' ? null : maskUrl(seen),
        to: current === null ? null : maskUrl(current),
        movedDeliveries: result.moved,
        ...(result.unrouted > 0 ? { unroutedDeliveries: result.unrouted } : {}),
      },
      outcome: 'ok',
    });
    return { seen, result };
  });
  if (!change) return null;
  const { seen, result } = change;
  deps.logger.info(
    result.moved > 0
      ? 'PORTSIP_WEBHOOK_URL changed since the last start: the deliveries waiting for the old URL moved to the route in force and are sent now'
      : 'PORTSIP_WEBHOOK_URL changed since the last start: no delivery was waiting for the old URL',
    {
      from: seen === '' ? null : maskUrl(seen),
      to: current === null ? null : maskUrl(current),
      moved: result.moved,
      ...(result.unrouted > 0 ? { leftAtOldUrl: result.unrouted } : {}),
    },
  );
  return result;
}
