import { describe, expect, it } from 'vitest';
import { parseSmsCommand } from '../../src/slack/listeners/commands/parseCommand.js';
import { helpMessage } from '../../src/slack/ui/help.js';

const parsed = (text: string) => {
  const result = parseSmsCommand(text);
  if (!result.ok) throw new Error(`expected a command for ${JSON.stringify(text)}, got: ${result.problem}`);
  return result.command;
};

describe('parseSmsCommand', () => {
  it('answers help for nothing, help, and a topic', () => {
    expect(parsed('')).toEqual({ kind: 'help' });
    expect(parsed('  help ')).toEqual({ kind: 'help' });
    expect(parsed('help route')).toEqual({ kind: 'help', topic: 'route' });
  });

  it('reads the Sender ID commands, keeping spaces inside a Sender ID', () => {
    expect(parsed('senderid create')).toEqual({ kind: 'senderid.create' });
    expect(parsed('senderid create Acme Co FR GB XX')).toEqual({
      kind: 'senderid.create',
      prefill: { type: 'alphanumeric', value: 'Acme Co', countries: ['FR', 'GB'], notCountries: ['XX'] },
    });
    expect(parsed('senderid create +44 7400 123456 DE')).toEqual({
      kind: 'senderid.create',
      prefill: { type: 'numeric', value: '+44 7400 123456', countries: ['DE'], notCountries: [] },
    });
    expect(parsed('SenderID list')).toEqual({ kind: 'senderid.list' });
    expect(parsed('senderid status Acme Co')).toEqual({ kind: 'senderid.status', query: 'Acme Co' });
    expect(parsed('senderid reject Acme Co FR Brand not registered')).toEqual({
      kind: 'senderid.reject',
      query: 'Acme Co',
      country: 'FR',
      reason: 'Brand not registered',
    });
  });

  it('reads numbers in national and international forms', () => {
    expect(parsed('number list')).toEqual({ kind: 'number.list' });
    expect(parsed('numbers')).toEqual({ kind: 'number.list' });
    expect(parsed('number enable-inbound (415) 555-0100')).toEqual({ kind: 'number.enable-inbound', number: '(415) 555-0100' });
  });

  it('takes a help topic by every spelling its command takes (`/sms help numbers` as `/sms numbers` does)', () => {
    for (const [typed, topic] of [
      ['numbers', 'number'],
      ['routes', 'route'],
      ['Webhooks', 'webhook'],
      ['alert', 'alerts'],
      ['job', 'jobs'],
      ['sender-id', 'senderid'],
      ['senderids', 'senderid'],
      ['doctor', 'doctor'],
    ]) {
      expect(parsed(`help ${typed}`), typed).toEqual({ kind: 'help', topic });
      expect(helpMessage(topic).text, typed).toBe('smsops commands');
    }
  });

  it('answers a label typed without `find` (as the README once said worked) with the search that finds it', () => {
    expect(parseSmsCommand('numbers find Support')).toEqual({ ok: true, command: { kind: 'number.list', query: 'Support' } });
    const answer = parseSmsCommand('numbers Support line');
    expect(answer.ok).toBe(false);
    expect(answer.ok ? '' : answer.problem).toContain('`/sms numbers find Support line`');
    // A mistyped verb of `number` is still named as one, not offered as a label.
    const typo = parseSmsCommand('number enable-inbund +1 415 555 0100');
    expect(typo.ok ? '' : typo.problem).toBe('`number enable-inbund` is not a command.');
  });

  it('defaults webhook set to the account default and smsops’ own URL', () => {
    expect(parsed('webhook set')).toEqual({ kind: 'webhook.set', target: 'default' });
    expect(parsed('webhook set +1 415 555 0100')).toEqual({ kind: 'webhook.set', target: '+1 415 555 0100' });
    expect(parsed('webhook set default <https://pbx.example.com/emc/x>')).toEqual({
      kind: 'webhook.set',
      target: 'default',
      url: 'https://pbx.example.com/emc/x',
    });
  });

  it('keeps a PortSIP URL with spaces exactly, as Slack escapes it, and takes a trailing #channel', () => {
    // What Slack sends with should_escape: the link stops at the first space, the rest follows as text.
    const escaped = 'route set +14155550100 <https://pbx.example.com:8887/emc/Wavix> - US/a558d635-66e0 <#C0INBOX01|inbox>';
    expect(parsed(escaped)).toEqual({
      kind: 'route.set',
      number: '+14155550100',
      url: 'https://pbx.example.com:8887/emc/Wavix - US/a558d635-66e0',
      channel: { id: 'C0INBOX01' },
    });
    expect(parsed('route set default https://pbx.example.com/emc/Wavix - Asia/u?a=1&amp;b=2')).toEqual({
      kind: 'route.set',
      number: 'default',
      url: 'https://pbx.example.com/emc/Wavix - Asia/u?a=1&b=2',
      channel: null,
    });
  });

  it('uses a link’s target, never its label', () => {
    expect(parsed('route set default <https://real.example/emc/x|https://shown.example>')).toMatchObject({
      url: 'https://real.example/emc/x',
    });
  });

  it('reads route list/remove and audit counts', () => {
    expect(parsed('route list')).toEqual({ kind: 'route.list' });
    expect(parsed('route remove default')).toEqual({ kind: 'route.remove', number: 'default' });
    expect(parsed('audit')).toEqual({ kind: 'audit', limit: 10 });
    expect(parsed('audit 25')).toEqual({ kind: 'audit', limit: 25 });
  });

  it('reads `page N` after senderid list, alerts, relay status and inbox, as before without it', () => {
    const parsed = (text: string) => {
      const result = parseSmsCommand(text);
      return result.ok ? result.command : result.problem;
    };
    expect(parsed('senderid list')).toEqual({ kind: 'senderid.list' });
    expect(parsed('senderid list page 3')).toEqual({ kind: 'senderid.list', page: 3 });
    expect(parsed('senderids page 2')).toEqual({ kind: 'senderid.list', page: 2 });
    expect(parsed('alerts')).toEqual({ kind: 'alerts.list' });
    expect(parsed('alerts page 2')).toEqual({ kind: 'alerts.list', page: 2 });
    expect(parsed('alerts list page 4')).toEqual({ kind: 'alerts.list', page: 4 });
    expect(parsed('relay')).toEqual({ kind: 'relay.status' });
    expect(parsed('relay status page 2')).toEqual({ kind: 'relay.status', page: 2 });
    expect(parsed('inbox')).toEqual({ kind: 'inbox' });
    expect(parsed('inbox page 2')).toEqual({ kind: 'inbox', page: 2 });
    expect(parsed('inbox +1 415 555 0100 page 2')).toEqual({ kind: 'inbox', number: '+1 415 555 0100', page: 2 });
    expect(parsed('inbox +1 415 555 0100')).toEqual({ kind: 'inbox', number: '+1 415 555 0100' });
    expect(parsed('alerts page 0')).toContain('give a page number from 1');
    expect(parsed('relay status page x')).toContain('give a page number from 1');
    expect(parsed('senderid list page')).toContain('give a page number from 1');
  });

  it('reads doctor', () => {
    expect(parsed('doctor')).toEqual({ kind: 'doctor' });
    expect(parsed(' Doctor ')).toEqual({ kind: 'doctor' });
    expect(parsed('doctor all')).toEqual({ kind: 'doctor.all', page: 1 });
    expect(parsed('doctor all 3')).toEqual({ kind: 'doctor.all', page: 3 });
    expect(parsed('doctor ignored')).toEqual({ kind: 'doctor.ignored', page: 1 });
    expect(parseSmsCommand('doctor all next')).toMatchObject({ ok: false, topic: 'doctor' });
    expect(parseSmsCommand('doctor frobnicate')).toMatchObject({ ok: false, topic: 'doctor' });
  });

  it('reads doctor ignore: a number typed with spaces, then the reason', () => {
    expect(parsed('doctor ignore +1 202 555 0143 voice DID')).toEqual({
      kind: 'doctor.ignore',
      number: '+1 202 555 0143',
      reason: 'voice DID',
    });
    expect(parsed('doctor ignore (202) 555-0143')).toEqual({ kind: 'doctor.ignore', number: '(202) 555-0143', reason: null });
    // Digits after the number that would make it invalid are the reason's.
    expect(parsed('doctor ignore +1 202 555 0143 2 lines ported &amp; gone')).toEqual({
      kind: 'doctor.ignore',
      number: '+1 202 555 0143',
      reason: '2 lines ported & gone',
    });
    expect(parsed('doctor unignore +12025550143')).toEqual({ kind: 'doctor.unignore', number: '+12025550143' });
    expect(parseSmsCommand('doctor ignore')).toMatchObject({ ok: false, topic: 'doctor' });
    expect(parseSmsCommand('doctor ignore +1 999 nope')).toMatchObject({
      ok: false,
      topic: 'doctor',
      problem: expect.stringContaining('is not a phone number smsops can use'),
    });
    expect(parseSmsCommand('doctor unignore +12025550143 why')).toMatchObject({ ok: false, topic: 'doctor' });
  });

  it('answers a usage problem, with the topic, for anything malformed', () => {
    expect(parseSmsCommand('frobnicate')).toMatchObject({ ok: false, problem: expect.stringContaining('`frobnicate`') });
    expect(parseSmsCommand('senderid status')).toMatchObject({ ok: false, topic: 'senderid' });
    expect(parseSmsCommand('senderid reject Acme FR')).toMatchObject({ ok: false, topic: 'senderid' });
    expect(parseSmsCommand('number enable-inbound')).toMatchObject({ ok: false, topic: 'number' });
    expect(parseSmsCommand('route set default')).toMatchObject({ ok: false, topic: 'route' });
    expect(parseSmsCommand('audit 0')).toMatchObject({ ok: false, topic: 'audit' });
    expect(parseSmsCommand('audit lots')).toMatchObject({ ok: false, topic: 'audit' });
    expect(parseSmsCommand('webhook delete')).toMatchObject({ ok: false, topic: 'webhook' });
  });
});

describe('parseSmsCommand, a word too many after a whole command', () => {
  it('names the stray word, not the command, as the problem, with the command’s topic', () => {
    const cases = [
      [
        'senderid list foo',
        '`/sms senderid list` takes nothing but a page (e.g. `page 2`): `foo` is not part of it.',
        'senderid',
      ],
      ['alerts list foo', '`/sms alerts list` takes nothing but a page (e.g. `page 2`): `foo` is not part of it.', 'alerts'],
      ['relay status foo', '`/sms relay status` takes nothing but a page (e.g. `page 2`): `foo` is not part of it.', 'relay'],
      [
        'portsip routes foo',
        '`/sms portsip routes` takes nothing but a page (e.g. `page 2`): `foo` is not part of it.',
        'portsip',
      ],
      [
        'portsip routes 202',
        '`/sms portsip routes` takes nothing but a page (e.g. `page 2`): `202` is not part of it.',
        'portsip',
      ],
    ] as const;
    for (const [text, problem, topic] of cases) expect(parseSmsCommand(text), text).toEqual({ ok: false, problem, topic });
  });

  it('refuses a word after `jobs list` and a second job after `jobs run`, instead of ignoring it', () => {
    expect(parseSmsCommand('jobs list foo')).toEqual({
      ok: false,
      problem: '`/sms jobs list` takes nothing more: `foo` is not part of it.',
      topic: 'jobs',
    });
    expect(parseSmsCommand('jobs run traffic-watch extra')).toEqual({
      ok: false,
      problem: '`/sms jobs run` takes one job (`/sms jobs` lists them): `extra` is not part of it.',
      topic: 'jobs',
    });
    expect(parsed('jobs list')).toEqual({ kind: 'jobs.list' });
    expect(parsed('jobs run traffic-watch')).toEqual({ kind: 'jobs.run', job: 'traffic-watch' });
  });

  it('quotes at most 80 characters of what was typed, escaped', () => {
    const result = parseSmsCommand(`alerts list <!channel> ${'x'.repeat(40_000)}`);
    expect(result.ok).toBe(false);
    const problem = result.ok ? '' : result.problem;
    expect(problem).toContain('`&lt;!channel&gt; xxx');
    expect(problem.length).toBeLessThan(200);
  });

  it('answers a bad page of `/sms inbox` with the inbox’s help, not the relay’s', () => {
    expect(parseSmsCommand('inbox +14155550100 page 0')).toMatchObject({ ok: false, topic: 'inbox' });
  });
});

describe('parseSmsCommand, URLs of another scheme', () => {
  it('names a non-http URL instead of reading it as part of the number', () => {
    expect(parseSmsCommand('route set default ftp://pbx.example.com/x')).toMatchObject({
      ok: false,
      problem: '`ftp://pbx.example.com/x` is not an http(s) URL.',
      topic: 'route',
    });
    expect(parseSmsCommand('webhook set default sip://pbx')).toMatchObject({ ok: false, topic: 'webhook' });
  });
});

describe('parseSmsCommand, route set: the URL ends where PortSIP’s path pattern ends', () => {
  const UUID = 'a558d635-66e0-4c64-9d3b-2f5c1e7a8b90';
  const PBX = `https://pbx.example.com:8887/emc/Wavix - US/${UUID}`;

  it('reads a plain #name after the URL as a channel, never as part of the URL (the README example, typed or pasted)', () => {
    expect(parsed(`route set +12025550143 ${PBX} #sms-inbox`)).toEqual({
      kind: 'route.set',
      number: '+12025550143',
      url: PBX,
      channel: { name: 'sms-inbox' },
    });
    // The same as Slack escapes it: the link stops at the first space, the #name stays text.
    expect(parsed(`route set default <https://pbx.example.com:8887/emc/Wavix> - US/${UUID} #SMS-Inbox`)).toMatchObject({
      url: PBX,
      channel: { name: 'sms-inbox' },
    });
  });

  it('keeps spaces (and an en dash) inside the configuration name, several of them, and /sms/ URLs', () => {
    const url = `https://pbx.example.com:10443/sms/Wavix – US  East/${UUID}`;
    expect(parsed(`route set default ${url}`)).toMatchObject({ url, channel: null });
    expect(parsed(`route set default ${url} <#C0INBOX01|sms-inbox>`)).toMatchObject({ url, channel: { id: 'C0INBOX01' } });
    expect(parsed(`route set default ${url} C0INBOX01`)).toMatchObject({ url, channel: { id: 'C0INBOX01' } });
  });

  it('reads `default` in place of the URL or the channel as clearing that field, and refuses it for both', () => {
    expect(parsed(`route set +1 415 555 0152 ${PBX} default`)).toEqual({
      kind: 'route.set',
      number: '+1 415 555 0152',
      url: PBX,
      channel: null,
      follow: 'channel',
    });
    expect(parsed('route set +1 415 555 0152 default <#C0TEAMA01|team-a>')).toEqual({
      kind: 'route.set',
      number: '+1 415 555 0152',
      url: null,
      channel: { id: 'C0TEAMA01' },
      follow: 'url',
    });
    expect(parsed('route set default default')).toMatchObject({ number: 'default', url: null, channel: null, follow: 'url' });
    expect(parseSmsCommand('route set +14155550152 default default')).toMatchObject({ ok: false, topic: 'route' });
  });

  it('reads a channel alone, with no URL', () => {
    expect(parsed('route set default #sms-inbox')).toEqual({
      kind: 'route.set',
      number: 'default',
      url: null,
      channel: { name: 'sms-inbox' },
    });
    expect(parsed('route set +1 415 555 0100 <#C0INBOX01|x>')).toEqual({
      kind: 'route.set',
      number: '+1 415 555 0100',
      url: null,
      channel: { id: 'C0INBOX01' },
    });
  });

  it('keeps a # without a space before it in the URL, for the route to refuse with the reason', () => {
    expect(parsed(`route set default ${PBX}#sms-inbox`)).toMatchObject({ url: `${PBX}#sms-inbox`, channel: null });
  });

  it('answers usage for anything after the URL that is neither a channel nor part of a PortSIP URL', () => {
    for (const text of [
      `route set default ${PBX} please`,
      `route set default ${PBX} #sms-inbox extra`,
      `route set default ${PBX} https://other.example/emc/x/y`,
      `route set default ${PBX} <@U0123456>`,
    ]) {
      expect(parseSmsCommand(text)).toMatchObject({
        ok: false,
        topic: 'route',
        problem: expect.stringContaining('After the URL'),
      });
    }
    expect(parseSmsCommand(`route set default #sms-inbox ${PBX}`)).toMatchObject({
      ok: false,
      problem: expect.stringContaining('Put the channel after the URL'),
    });
  });

  it('never takes a link label for the URL, and leaves a lone < as text', () => {
    expect(parsed(`route set default <${PBX.replaceAll(' ', '%20')}|https://shown.example/x> #inbox`)).toMatchObject({
      url: PBX.replaceAll(' ', '%20'),
      channel: { name: 'inbox' },
    });
    expect(parseSmsCommand('route set default < https://pbx.example.com/emc/x/y')).toMatchObject({ ok: true });
  });

  it('parses hostile 40,000-character commands without blowing up', () => {
    const shapes = [
      `route set default https://pbx.example.com/emc/${'a '.repeat(20_000)}`,
      `route set default https://pbx.example.com/emc/${'a /'.repeat(13_000)}`,
      `route set default ${'#'.repeat(40_000)}`,
      `route set default ${'<'.repeat(40_000)}`,
      `route set default ${'<https:'.repeat(6_000)}`,
      `webhook set ${'x'.repeat(40_000)}`,
      `route set default ${'a'.repeat(40_000)}://x`,
    ];
    for (const text of shapes) expect(() => parseSmsCommand(text)).not.toThrow();
    // The long URL with many spaces keeps its spaces up to the last segment's `/`.
    const long = parsed(`route set default https://pbx.example.com/emc/${'a '.repeat(1000)}/${UUID} #x`);
    expect(long).toMatchObject({ channel: { name: 'x' } });
    expect((long as { url: string }).url.endsWith(`/${UUID}`)).toBe(true);
  });

  it('takes a page only in plain decimal digits, the same in every paged command', () => {
    for (const word of ['0x10', '1e9', '1e308', '0b11', '2.0e1']) {
      const result = parseSmsCommand(`numbers page ${word}`);
      expect(result.ok, `numbers page ${word} -> ${JSON.stringify(result)}`).toBe(false);
    }
    for (const text of [
      'routes page 0x10',
      'senderids page 1e3',
      'relay page 0b11',
      'doctor all 1e2',
      'doctor ignored 0x2',
      'audit page 1e1',
    ])
      expect(parseSmsCommand(text).ok, text).toBe(false);
    expect(parseSmsCommand('numbers page 12')).toEqual({ ok: true, command: { kind: 'number.list', page: 12 } });
    expect(parseSmsCommand('doctor all 007')).toEqual({ ok: true, command: { kind: 'doctor.all', page: 7 } });
  });

  it('quotes what was typed in a problem escaped, so it cannot ping or link', () => {
    for (const text of [
      'doctor ignore <!channel> <@U0EVIL>',
      'doctor unignore &lt;!here&gt;',
      'route set +14155550100 https://pbx.example.com/emc/x/y <!channel> z',
    ]) {
      const result = parseSmsCommand(text);
      expect(result.ok, text).toBe(false);
      // No raw `<` at all: a `<number>` placeholder would be read by Slack as a link or a mention too.
      if (!result.ok) expect(result.problem, text).not.toContain('<');
    }
  });
});

describe('parseSmsCommand, numbers Slack turned into phone links (its mobile apps do)', () => {
  const link = '<tel:+12025550143|+1 202 555 0143>';
  it('reads the number as typed wherever a command takes one', () => {
    expect(parsed(`route set ${link} https://pbx.example.com:8887/emc/Wavix/0d3c`)).toMatchObject({
      kind: 'route.set',
      number: '+1 202 555 0143',
      url: 'https://pbx.example.com:8887/emc/Wavix/0d3c',
    });
    expect(parsed(`route remove ${link}`)).toEqual({ kind: 'route.remove', number: '+1 202 555 0143' });
    expect(parsed(`inbox ${link}`)).toEqual({ kind: 'inbox', number: '+1 202 555 0143' });
    expect(parsed(`forget ${link}`)).toEqual({ kind: 'forget', number: '+1 202 555 0143' });
    expect(parsed(`doctor ignore ${link} voice DID`)).toEqual({
      kind: 'doctor.ignore',
      number: '+1 202 555 0143',
      reason: 'voice DID',
    });
    expect(parsed(`traffic week ${link}`)).toEqual({ kind: 'traffic', args: ['week', '+1', '202', '555', '0143'] });
    expect(parsed('number enable-inbound <tel:2025550143>')).toEqual({ kind: 'number.enable-inbound', number: '2025550143' });
  });
});

describe('parseSmsCommand, numbers pasted with typographic dashes', () => {
  it('takes them as the number in doctor ignore, not as the reason', () => {
    expect(parsed('doctor ignore +1 202\u2013555\u20130143 voice DID')).toEqual({
      kind: 'doctor.ignore',
      number: '+1 202\u2013555\u20130143',
      reason: 'voice DID',
    });
  });

  it('opens the Sender ID form on the number, as its numeric kind, not as a name too long', () => {
    expect(parsed('senderid create +1 202\u2011555\u20110143 US')).toEqual({
      kind: 'senderid.create',
      prefill: { type: 'numeric', value: '+1 202-555-0143', countries: ['US'], notCountries: [] },
    });
    expect(
      parsed('senderid create \uff0b\uff11 \uff12\uff10\uff12 \uff15\uff15\uff15 \uff10\uff11\uff14\uff13 US'),
    ).toMatchObject({
      prefill: { type: 'numeric', value: '+1 202 555 0143' },
    });
    // A name in full-width letters is a name: left as typed.
    expect(parsed('senderid create \uff21\uff23\uff2d\uff25 GB')).toMatchObject({
      prefill: { type: 'alphanumeric', value: '\uff21\uff23\uff2d\uff25' },
    });
  });
});
