import type { PortsipSmsConfiguration } from '../ports/portsip.js';
import { inlineText } from '../text.js';
import { encodeCopiedUrl } from '../urls.js';
import type { CheckGroup } from './context.js';
import { shown } from './context.js';
import { portsipDestinations } from './portsipRoutes.js';
import type { DoctorCheck } from './types.js';

// ── 10. Route URLs against PortSIP's SMS configurations (PortSIP API, optional) ──────────────────────────────────

/**
 * Each URL smsops relays to, looked up among PortSIP's own SMS/MMS configurations (`GET /api/sms` returns each one's
 * `webhook`, portsip.md §3). A URL no configuration has any more (deleted, or made again: a new configuration has a
 * new UUID) gets answers from PortSIP, but the SMS go nowhere; the connection check (“PortSIP routes”) cannot see it.
 * A URL pasted with spaces or with `%20` is the same URL.
 */
export const portsipConfigurationsGroup: CheckGroup = {
  id: 'portsip-configs',
  title: 'PortSIP SMS configurations',
  run: async ({ deps }) => {
    const base = { id: 'portsip-configs', title: 'PortSIP SMS configurations' };
    const read = deps.portsip?.smsConfigurations;
    if (!deps.portsip || !read) {
      return [
        {
          ...base,
          status: 'skipped',
          reason:
            'Not checked: set PORTSIP_API_URL (and the PortSIP API credentials) to check each route URL against PortSIP’s SMS configurations.',
        },
      ];
    }
    const destinations = portsipDestinations(deps.services.routes.list(), deps.services.defaultPortsipUrl);
    if (destinations.size === 0) return [{ ...base, status: 'skipped', reason: 'No PortSIP route to look up in PortSIP.' }];
    const configurations = await read();
    if (!configurations.ok) {
      return [
        {
          ...base,
          status: 'failure',
          reason: `Could not read PortSIP’s SMS configurations: ${configurations.error.userMessage}`,
        },
      ];
    }
    const byUrl = new Map<string, PortsipSmsConfiguration>();
    for (const config of configurations.value) if (config.webhook) byUrl.set(encodeCopiedUrl(config.webhook), config);
    return [...destinations].map(([url, names]) => configurationCheck(url, names, byUrl.get(encodeCopiedUrl(url))));
  },
};

function configurationCheck(url: string, names: string[], config: PortsipSmsConfiguration | undefined): DoctorCheck {
  const only = names.length === 1 ? names[0] : undefined;
  // One number's own route is that number's finding, so `/sms doctor ignore` takes it; a shared URL or default is not.
  const number = only?.startsWith('route +') ? only.replace(/^route /, '').replaceAll(' ', '') : undefined;
  const base = {
    id: `portsip-config:${(names[0] ?? 'route').replace(/^route /, '').replaceAll(' ', '')}`,
    title: `PortSIP SMS configuration of ${names.join(', ')} ${shown(url)}`,
    ...(number ? { number } : {}),
  };
  const fix = names.includes('PORTSIP_WEBHOOK_URL')
    ? 'Set PORTSIP_WEBHOOK_URL to a URL PortSIP lists (`/sms portsip` shows them) and restart smsops.'
    : '`/sms portsip` proposes the URLs PortSIP has now, each with a “Use this route” button; `/sms route set` sets one by hand.';
  if (!config) {
    return {
      ...base,
      status: 'failure',
      reason: `No SMS configuration in PortSIP has this URL (deleted, or made again with a new ID): PortSIP has no configuration to take the SMS relayed here. ${fix}`,
    };
  }
  // PortSIP's name for it is typed by its admin: one inline run.
  const named = inlineText(`“${config.name}”${config.providerName ? ` (trunk ${config.providerName})` : ''}`);
  if (!config.enabled) {
    // portsip.md documents the `enabled` flag, not what PortSIP does with an SMS posted to a disabled configuration [?].
    return {
      ...base,
      status: 'warning',
      reason: `PortSIP’s SMS configuration ${named} has this URL but is disabled: PortSIP’s docs do not say what it does with SMS posted to it. Enable it in PortSIP (Message Channels > SMS/MMS).`,
    };
  }
  return { ...base, status: 'ok', reason: `PortSIP’s SMS configuration ${named} has this URL and is enabled.` };
}
