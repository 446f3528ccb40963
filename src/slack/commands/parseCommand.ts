import { maskUrl } from '../../core/urls.js';

/**
 * The `/sms` grammar. Slack delivers one command with free text; this turns that text into a typed command or a
 * usage problem. Pure, so every form a person may type is unit-tested without Slack.
 *
 * The manifest sets `should_escape: true`, so `#channel` arrives as `<#C123|name>`, links as `<https://…>` or
 * `<https://…|label>`, and `&`, `<`, `>` as entities. Text typed without escaping (Socket Mode tests, the sandbox)
 * parses the same way.
 */
export type SmsCommand =
  | { kind: 'help'; topic?: string }
  | { kind: 'senderid.create' }
  | { kind: 'senderid.list' }
  | { kind: 'senderid.status'; query: string }
  | { kind: 'senderid.reject'; query: string; country: string; reason: string }
  | { kind: 'number.list' }
  | { kind: 'number.enable-inbound'; number: string }
  | { kind: 'webhook.set'; target: string; url?: string }
  | { kind: 'route.set'; number: string; url: string | null; channel: string | null }
  | { kind: 'route.list' }
  | { kind: 'route.remove'; number: string }
  | { kind: 'audit'; limit: number }
  | { kind: 'relay.status' }
  | { kind: 'relay.replay'; target: string }
  | { kind: 'inbox'; number?: string }
  | { kind: 'alerts.list' }
  | { kind: 'alerts.set'; rule: string; value: string }
  | { kind: 'jobs.list' }
  | { kind: 'jobs.run'; job: string }
  | { kind: 'traffic'; args: string[] }
  | { kind: 'doctor' }
  | { kind: 'portsip.routes' };

export type ParsedCommand = { ok: true; command: SmsCommand } | { ok: false; problem: string; topic?: string };

export const AUDIT_DEFAULT = 10;
export const AUDIT_MAX = 50;

const usage = (problem: string, topic?: string): ParsedCommand =>
  topic ? { ok: false, problem, topic } : { ok: false, problem };
const command = (c: SmsCommand): ParsedCommand => ({ ok: true, command: c });

function unescapeSlack(text: string): string {
  return text
    .replace(/<((?:https?|mailto):[^|>]*)(?:\|[^>]*)?>/g, '$1')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}

const CHANNEL_REF = /^(?:<#([CGD][A-Z0-9]+)(?:\|[^>]*)?>|([CGD][A-Z0-9]{6,}))$/;

/** A trailing channel reference (`<#C123|name>` or a bare id), if the text ends with one. */
function splitTrailingChannel(text: string): { rest: string; channel: string | null } {
  const match = /\s+(<#[CGD][A-Z0-9]+(?:\|[^>]*)?>|[CGD][A-Z0-9]{6,})\s*$/.exec(` ${text}`);
  if (!match?.[1]) return { rest: text, channel: null };
  const ref = CHANNEL_REF.exec(match[1]);
  return { rest: ` ${text}`.slice(0, match.index).trim(), channel: ref?.[1] ?? ref?.[2] ?? null };
}

/** A URL of another scheme where an http(s) one is expected (the number would otherwise swallow it). */
function foreignUrl(text: string): string | null {
  return /\S+:\/\/\S*/.exec(text)?.[0] ?? null;
}

/** Splits "<target> <url with maybe spaces>" at the first http(s)://. */
function splitAtUrl(escaped: string): { before: string; url: string | null } {
  const text = unescapeSlack(escaped);
  const index = text.search(/https?:\/\//i);
  if (index < 0) return { before: text.trim(), url: null };
  return { before: text.slice(0, index).trim(), url: text.slice(index).trim() };
}

export function parseSmsCommand(rawText: string): ParsedCommand {
  const text = rawText.trim();
  // Links are unwrapped first so that a URL's label cannot hide its target; entities are decoded per argument.
  const words = text.split(/\s+/).filter(Boolean);
  const noun = (words[0] ?? 'help').toLowerCase();
  const verb = words[1]?.toLowerCase();
  // The rest of the text as typed (inner spacing kept: a PortSIP URL's path may contain spaces).
  const restAfter = (count: number) => {
    const skipped = new RegExp(`^(?:\\S+\\s+){${count}}`).exec(`${text} `);
    return skipped ? `${text} `.slice(skipped[0].length).trim() : '';
  };

  switch (noun) {
    case 'help':
    case '?':
      return command(words[1] ? { kind: 'help', topic: words[1].toLowerCase() } : { kind: 'help' });

    case 'senderid':
    case 'sender-id':
    case 'senderids':
      if (noun === 'senderids' && verb === undefined) return command({ kind: 'senderid.list' });
      if (verb === 'create' || verb === 'new') return command({ kind: 'senderid.create' });
      if (verb === 'list' || verb === 'ls') return command({ kind: 'senderid.list' });
      if (verb === 'status' || verb === 'show') {
        const query = unescapeSlack(restAfter(2)).trim();
        if (!query) return usage('Which Sender ID? Give its text or its Wavix id, e.g. `/sms senderid status Acme`.', 'senderid');
        return command({ kind: 'senderid.status', query });
      }
      if (verb === 'reject') {
        // The Sender ID may contain spaces ("Acme Co"): it runs up to the first country code in capitals after its first word.
        const rest = unescapeSlack(restAfter(2)).trim().split(/\s+/).filter(Boolean);
        const at = rest.findIndex((word, i) => i > 0 && /^[A-Z]{2}$/.test(word));
        const reason = at > 0 ? rest.slice(at + 1).join(' ') : '';
        if (at < 0 || !reason) {
          return usage(
            'Give the Sender ID, the country code in capitals and Wavix’s reason, e.g. `/sms senderid reject Acme FR Brand not registered`.',
            'senderid',
          );
        }
        return command({
          kind: 'senderid.reject',
          query: rest.slice(0, at).join(' '),
          country: rest[at] ?? '',
          reason,
        });
      }
      return usage(verb ? `\`senderid ${verb}\` is not a command.` : 'What about Sender IDs?', 'senderid');

    case 'number':
    case 'numbers':
      if (verb === undefined || verb === 'list' || verb === 'ls') return command({ kind: 'number.list' });
      if (verb === 'enable-inbound' || verb === 'enable') {
        const number = unescapeSlack(restAfter(2)).trim();
        if (!number) return usage('Which number? e.g. `/sms number enable-inbound +1 415 555 0100`.', 'number');
        return command({ kind: 'number.enable-inbound', number });
      }
      return usage(`\`number ${verb}\` is not a command.`, 'number');

    case 'webhook':
    case 'webhooks': {
      if (verb !== 'set') return usage(verb ? `\`webhook ${verb}\` is not a command.` : 'What about webhooks?', 'webhook');
      const { before, url } = splitAtUrl(restAfter(2));
      const other = foreignUrl(before);
      if (other) return usage(`\`${maskUrl(other)}\` is not an http(s) URL.`, 'webhook');
      const target = before || 'default';
      return command(url ? { kind: 'webhook.set', target, url } : { kind: 'webhook.set', target });
    }

    case 'route':
    case 'routes': {
      if (verb === undefined || verb === 'list' || verb === 'ls') return command({ kind: 'route.list' });
      if (verb === 'set') {
        const { rest, channel } = splitTrailingChannel(restAfter(2));
        const { before, url } = splitAtUrl(rest);
        const other = foreignUrl(before);
        if (other) return usage(`\`${maskUrl(other)}\` is not an http(s) URL.`, 'route');
        const number = before;
        if (!number) return usage('Which number? `default` or a number, then the PortSIP webhook URL.', 'route');
        if (!url && !channel) return usage('Give the PortSIP webhook URL (and optionally a #channel).', 'route');
        return command({ kind: 'route.set', number, url, channel });
      }
      if (verb === 'remove' || verb === 'rm' || verb === 'delete') {
        const number = unescapeSlack(restAfter(2)).trim();
        if (!number) return usage('Which route? `default` or a number.', 'route');
        return command({ kind: 'route.remove', number });
      }
      return usage(`\`route ${verb}\` is not a command.`, 'route');
    }

    case 'relay': {
      if (verb === undefined || verb === 'status') return command({ kind: 'relay.status' });
      if (verb === 'replay') {
        const target = unescapeSlack(restAfter(2)).trim();
        if (!target) return usage('Replay what? A message id (from `/sms inbox`) or `dead`.', 'relay');
        return command({ kind: 'relay.replay', target });
      }
      return usage(`\`relay ${verb}\` is not a command.`, 'relay');
    }

    case 'inbox': {
      const number = unescapeSlack(restAfter(1)).trim();
      return command(number ? { kind: 'inbox', number } : { kind: 'inbox' });
    }

    case 'audit': {
      if (verb === undefined) return command({ kind: 'audit', limit: AUDIT_DEFAULT });
      const limit = Number(verb);
      if (!Number.isInteger(limit) || limit < 1 || limit > AUDIT_MAX) {
        return usage(`\`audit ${verb}\`: give a count from 1 to ${AUDIT_MAX}.`, 'audit');
      }
      return command({ kind: 'audit', limit });
    }

    case 'alerts':
    case 'alert': {
      if (verb === undefined || verb === 'list') return command({ kind: 'alerts.list' });
      if (verb === 'set') {
        const [rule, value, ...extra] = words.slice(2).map(unescapeSlack);
        if (!rule || !value || extra.length > 0) {
          return usage('Give a rule and a value, e.g. `/sms alerts set failure_rate 15` (or `off`).', 'alerts');
        }
        return command({ kind: 'alerts.set', rule, value });
      }
      return usage(`\`alerts ${verb}\` is not a command.`, 'alerts');
    }

    case 'jobs':
    case 'job': {
      if (verb === undefined || verb === 'list') return command({ kind: 'jobs.list' });
      if (verb === 'run') {
        const job = words[2];
        if (!job) return usage('Run which job? `/sms jobs` lists them.', 'jobs');
        return command({ kind: 'jobs.run', job });
      }
      return usage(`\`jobs ${verb}\` is not a command.`, 'jobs');
    }

    case 'traffic':
      // The period and number are checked by the traffic use case, which owns what they may be.
      return command({ kind: 'traffic', args: words.slice(1).map(unescapeSlack) });

    case 'doctor':
      return command({ kind: 'doctor' });

    case 'portsip':
      if (verb === undefined || verb === 'routes') return command({ kind: 'portsip.routes' });
      return usage(`\`portsip ${verb}\` is not a command.`, 'portsip');

    default:
      return usage(`\`${unescapeSlack(words[0] ?? '')}\` is not an /sms command.`);
  }
}
