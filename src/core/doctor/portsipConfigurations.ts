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
 * A URL is compared as HTTP reads it, not as typed (webhookForms): spaces or `%20`, the host's case, a default port, an
 * en dash raw or percent-encoded are the same URL. The same path on another host is the same configuration (its UUID
 * is in the path) reached another way, PortSIP on the LAN or this host as the README allows, where PortSIP lists its
 * public name: that is not a deleted configuration.
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
    const byPath = new Map<string, PortsipSmsConfiguration>();
    for (const config of configurations.value) {
      if (!config.webhook) continue;
      const forms = webhookForms(config.webhook);
      byUrl.set(forms.url, config);
      if (forms.path) byPath.set(forms.path, config);
    }
    return [...destinations].map(([url, names]) => {
      const forms = webhookForms(url);
      const exact = byUrl.get(forms.url);
      if (exact) return configurationCheck(url, names, { config: exact, elsewhere: false });
      const samePath = forms.path ? byPath.get(forms.path) : undefined;
      return configurationCheck(url, names, samePath ? { config: samePath, elsewhere: true } : undefined);
    });
  },
};

/** Percent-escapes in one case (`%e2` and `%E2` are the same byte). */
const escapesUpper = (text: string) => text.replace(/%[0-9a-f]{2}/gi, (code) => code.toUpperCase());

/**
 * A URL as HTTP reads it (scheme and host lower case, no default port, non-ASCII percent-encoded), and its path and
 * query alone, which name the configuration (`/emc/<brand>/<UUID>`). A value that does not parse is kept as typed.
 */
export function webhookForms(raw: string): { url: string; path: string | null } {
  const copied = encodeCopiedUrl(raw.trim());
  try {
    const url = new URL(copied);
    const path = escapesUpper(`${url.pathname}${url.search}`);
    // A bare `/` names no configuration: only a path of its own ties two hosts' URLs together.
    return { url: `${url.protocol}//${url.host}${path}`, path: url.pathname.length > 1 ? path : null };
  } catch {
    return { url: copied, path: null };
  }
}

interface Found {
  config: PortsipSmsConfiguration;
  /** Found by its path on another host (PortSIP lists its public name, smsops reaches it on the LAN, say). */
  elsewhere: boolean;
}

function configurationCheck(url: string, names: string[], found: Found | undefined): DoctorCheck {
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
  if (!found) {
    return {
      ...base,
      status: 'failure',
      reason: `No SMS configuration in PortSIP has this URL (deleted, or made again with a new ID): PortSIP has no configuration to take the SMS relayed here. ${fix}`,
    };
  }
  const { config } = found;
  // PortSIP's name for it is typed by its admin: one inline run.
  const named = inlineText(`“${config.name}”${config.providerName ? ` (trunk ${config.providerName})` : ''}`);
  if (!config.enabled) {
    // portsip.md documents the `enabled` flag, not what PortSIP does with an SMS posted to a disabled configuration [?].
    return {
      ...base,
      status: 'warning',
      reason: `PortSIP’s SMS configuration ${named} has this ${found.elsewhere ? 'URL’s path' : 'URL'} but is disabled: PortSIP’s docs do not say what it does with SMS posted to it. Enable it in PortSIP (Message Channels > SMS/MMS).`,
    };
  }
  const where = found.elsewhere
    ? ` (its ID) and is enabled; PortSIP lists it as ${shown(config.webhook ?? '')}, smsops reaches it on another host.`
    : ' and is enabled.';
  return {
    ...base,
    status: 'ok',
    reason: `PortSIP’s SMS configuration ${named} has this ${found.elsewhere ? 'URL’s path' : 'URL'}${where}`,
  };
}
