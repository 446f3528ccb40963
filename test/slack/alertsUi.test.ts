import { describe, expect, it } from 'vitest';
import type { Alert, RaisedAlert } from '../../src/core/model/alert.js';
import { trafficReport } from '../../src/core/traffic.js';
import { ALERT_ACTION } from '../../src/slack/ids.js';
import { alertMessage, alertsOverviewMessage, alertText } from '../../src/slack/ui/alerts.js';
import { deliveryErrorInWords } from '../../src/slack/ui/relay.js';
import { dailyDigestMessage } from '../../src/slack/ui/traffic.js';
import { createTrafficRepository } from '../../src/store/repositories/traffic.js';
import { createTempDb } from '../helpers/tempDb.js';

const stored = (raised: Pick<Alert, 'rule' | 'facts' | 'summary'>, over: Partial<Alert> = {}): Alert => ({
  id: 1,
  subjectKey: 'account',
  status: 'open',
  severity: 'warning',
  details: {},
  openedAt: Date.UTC(2026, 0, 5, 9, 0),
  updatedAt: Date.UTC(2026, 0, 5, 9, 0),
  resolvedAt: null,
  slackChannel: null,
  slackTs: null,
  acknowledged: null,
  quiet: null,
  ...raised,
  ...over,
});
const text = (raised: RaisedAlert) => alertText(raised);

describe('alert facts in words', () => {
  // An alert stored before links were cut from shared reasons kept the link in its facts, and every view (App Home,
  // /sms alerts, the digest) words it again from them (a probe).
  it('words a stored failure-rate alert\'s reason as the shared surfaces show it: its link as "a link"', () => {
    const shown = text({
      rule: 'failure_rate',
      subjectKey: '14155550100',
      severity: 'warning',
      facts: {
        number: '14155550100',
        failed: 30,
        finished: 100,
        topFailure: 'Blocked URL https://reset.example.com/t/8f3a9c2b1d7e',
        thresholdPct: 20,
      },
    });
    expect(shown).toContain('mostly "Blocked URL a link"');
    expect(shown).not.toContain('reset.example.com');
  });

  it('words each rule from its facts, as the rules used to write them', () => {
    expect(
      text({
        rule: 'failure_rate',
        subjectKey: '14155550100',
        severity: 'warning',
        facts: { number: '14155550100', failed: 30, finished: 100, topFailure: 'Blocked', thresholdPct: 20 },
      }),
    ).toBe('30 % of SMS from +1 415 555 0100 failed in the last hour (30 of 100), mostly "Blocked". Threshold 20 %.');
    expect(
      text({
        rule: 'relay_backlog',
        subjectKey: 'portsip:https://pbx.example.com/hook?token=s3cret',
        severity: 'critical',
        facts: {
          destinationKind: 'portsip',
          destination: 'https://pbx.example.com/hook?token=s3cret',
          pending: 4,
          oldestAgeMs: 12 * 60_000,
        },
      }),
    ).toMatch(/^4 inbound SMS waiting for PortSIP https:\/\/pbx\.example\.com\/.*, the oldest for 12 min\./);
    expect(
      text({
        rule: 'relay_dead',
        subjectKey: 'slack:C0INBOX01',
        severity: 'critical',
        facts: {
          destinationKind: 'slack',
          destination: 'C0INBOX01',
          cause: 'expired',
          lastAnswer: 'HTTP 503',
          deadAfterHours: 24,
        },
      }),
    ).toContain('Inbound SMS to Slack channel C0INBOX01 are dead letters: undelivered for 24 h (last answer: HTTP 503).');
    // Delivered again while one stays dead, refused for its content: replaying all the dead would fail the same way.
    expect(
      text({
        rule: 'relay_dead',
        subjectKey: 'slack:C0INBOX01',
        severity: 'warning',
        facts: {
          destinationKind: 'slack',
          destination: 'C0INBOX01',
          cause: 'repeated',
          lastAnswer: 'Slack: msg_too_long',
          deadAfterHours: 24,
          stillDead: 1,
        },
      }),
    ).toBe(
      'Slack channel C0INBOX01 takes other SMS, but 1 inbound SMS to it is still dead: refused again and again (last answer: Slack: msg_too_long). `/sms relay status` lists it; `/sms relay replay <id>` sends one again.',
    );
    // Healed, nobody replayed: the deadline is said before retention takes them, and once it did, that they were lost.
    const healed = {
      destinationKind: 'portsip' as const,
      destination: 'https://pbx.example.com/emc/a',
      cause: 'expired' as const,
      lastAnswer: 'HTTP 503',
      deadAfterHours: 24,
      stillDead: 3,
    };
    expect(text({ rule: 'relay_dead', subjectKey: 'portsip:x', severity: 'warning', facts: healed })).toContain(
      'before retention deletes them unsent (`RETENTION_DAYS` after arrival)',
    );
    expect(
      text({
        rule: 'relay_dead',
        subjectKey: 'portsip:x',
        severity: 'warning',
        facts: { ...healed, stillDead: 1, deletedUnsent: 2 },
      }),
    ).toContain('1 inbound SMS to it is still dead (last failure: HTTP 503)');
    expect(
      text({
        rule: 'relay_dead',
        subjectKey: 'portsip:x',
        severity: 'warning',
        facts: { ...healed, stillDead: 1, deletedUnsent: 2 },
      }),
    ).toContain('2 others were deleted by retention unsent (older than `RETENTION_DAYS`, never replayed)');
    expect(
      text({
        rule: 'config_drift',
        subjectKey: '14155550100',
        severity: 'critical',
        facts: {
          scope: 'number',
          e164: '+14155550100',
          display: '+1 415 555 0100',
          problems: [{ code: 'no_webhook' }, { code: 'inbound_deactivated' }],
        },
      }),
    ).toContain('+1 415 555 0100: it has no inbound webhook any more and inbound SMS was deactivated, so its inbound SMS');
    expect(
      text({ rule: 'balance_low', subjectKey: 'account', severity: 'warning', facts: { balanceUsd: 4.5, thresholdUsd: 10 } }),
    ).toBe('The Wavix balance is 4.50 USD, below 10 USD: SMS stop when it runs out. Top up the account in the Wavix portal.');
    // Run out: told so, with the fix, not "when it runs out".
    expect(
      text({ rule: 'balance_low', subjectKey: 'account', severity: 'critical', facts: { balanceUsd: 0, thresholdUsd: 10 } }),
    ).toBe(
      'The Wavix balance is 0.00 USD: it has run out, so Wavix may refuse to send SMS (thread replies fail) until the account is topped up in the Wavix portal.',
    );
    expect(
      text({
        rule: 'ten_dlc',
        subjectKey: 'campaign:CKLCK95',
        severity: 'warning',
        facts: {
          kind: 'campaign',
          brandId: 'BM20QP9',
          campaignId: 'CKLCK95',
          number: null,
          status: 'DECLINED',
          brandLabel: 'Example',
          campaignLabel: 'Customer care',
        },
      }),
    ).toContain('10DLC campaign CKLCK95 (Customer care, brand Example BM20QP9) is `DECLINED`');
  });

  it('never masks a secret less than the rule did: PortSIP URLs are shown masked', () => {
    const said = text({
      rule: 'relay_backlog',
      subjectKey: 'portsip:x',
      severity: 'critical',
      facts: { destinationKind: 'portsip', destination: 'https://pbx.example.com/hook?token=s3cret', pending: 1, oldestAgeMs: 0 },
    });
    expect(said).not.toContain('s3cret');
  });

  it('shows an alert recorded before facts were kept by the text it was recorded with', () => {
    const old = stored({ rule: 'failure_rate', facts: null, summary: '40 % of SMS from +1 415 555 0100 failed <!channel>' });
    expect(alertText(old)).toBe('40 % of SMS from +1 415 555 0100 failed <!channel>');
    const message = alertMessage(old, old.openedAt);
    expect(message.text).toBe('40 % of SMS from +1 415 555 0100 failed &lt;!channel&gt;');
    expect(JSON.stringify(message.blocks)).not.toContain('<!channel>');
    expect(JSON.stringify(alertsOverviewMessage([old], [], old.openedAt).blocks)).toContain('40 % of SMS from');
  });

  it('falls back to the recorded text for a rule this version does not know', () => {
    expect(alertText(stored({ rule: 'from_the_future', facts: { x: 1 }, summary: 'Something new' }))).toBe('Something new');
  });

  it('words stored facts the same in the alert, the overview and the digest', async () => {
    const alert = stored({ rule: 'balance_low', facts: { balanceUsd: 4.5, thresholdUsd: 10 }, summary: '' });
    const words = 'The Wavix balance is 4.50 USD, below 10 USD';
    expect(alertMessage(alert, alert.openedAt).text).toContain(words);
    expect(JSON.stringify(alertsOverviewMessage([alert], [], alert.openedAt).blocks)).toContain(words);
    const t = createTempDb();
    const report = await trafficReport({ traffic: createTrafficRepository(t.db, t.clock.now), now: t.clock.now }, '24h');
    t.cleanup();
    expect(JSON.stringify(dailyDigestMessage(report, [alert]).blocks)).toContain(words);
  });
});

describe('alert buttons by kind', () => {
  const ids = (alert: Alert) =>
    alertMessage(alert, Date.UTC(2026, 0, 5, 10, 0))
      .blocks.filter((b) => b.type === 'actions')
      .flatMap((b) => (b as { elements: Array<{ action_id: string; value: string }> }).elements);
  const failureRate = {
    rule: 'failure_rate',
    facts: { number: '14155550100', failed: 30, finished: 100, topFailure: null, thresholdPct: 20 },
    summary: '',
  };
  const drift = { rule: 'config_drift', facts: { scope: 'account' }, summary: '' };
  const dead = {
    rule: 'relay_dead',
    facts: {
      destinationKind: 'portsip',
      destination: 'https://pbx/x',
      cause: 'expired',
      lastAnswer: 'HTTP 503',
      deadAfterHours: 24,
    },
    summary: '',
  };

  it('offers what helps with each kind, every button carrying the alert id and when it opened', () => {
    expect(ids(stored(failureRate, { id: 7 })).map((e) => e.action_id)).toEqual([
      ALERT_ACTION.acknowledge,
      ALERT_ACTION.snooze1h,
      ALERT_ACTION.snooze24h,
      ALERT_ACTION.mute,
    ]);
    expect(ids(stored(drift, { id: 7 })).map((e) => e.action_id)).toContain(ALERT_ACTION.openDoctor);
    expect(ids(stored(drift, { id: 7 })).map((e) => e.action_id)).not.toContain(ALERT_ACTION.retryNow);
    const relay = ids(stored(dead, { id: 7 }));
    expect(relay.map((e) => e.action_id)).toEqual(expect.arrayContaining([ALERT_ACTION.showFailing, ALERT_ACTION.retryNow]));
    expect(new Set(relay.map((e) => e.value))).toEqual(new Set([`7:${Date.UTC(2026, 0, 5, 9, 0)}`]));
  });

  it('drops Acknowledge once acknowledged, says who and when, and a resolved alert has no buttons', () => {
    const acknowledged = stored(failureRate, {
      acknowledged: { by: 'U0ONCALL01', at: Date.UTC(2026, 0, 5, 9, 30), severity: 'warning' },
    });
    expect(ids(acknowledged).map((e) => e.action_id)).not.toContain(ALERT_ACTION.acknowledge);
    expect(JSON.stringify(alertMessage(acknowledged, Date.UTC(2026, 0, 5, 10, 0)).blocks)).toContain(
      'Acknowledged by <@U0ONCALL01> at <!date^',
    );
    expect(ids(stored(failureRate, { status: 'resolved', resolvedAt: Date.UTC(2026, 0, 5, 10, 0) }))).toEqual([]);
  });
});

describe('delivery errors in words', () => {
  const words = (lastError: string, lastStatusCode: number | null = null, kind: 'portsip' | 'slack' = 'portsip') =>
    deliveryErrorInWords({ lastError, lastStatusCode }, kind);

  it('says what the failure means without quoting the error itself', () => {
    expect(words('connect ECONNREFUSED 10.1.2.3:5555')).toBe(
      'connection refused: nothing listens at that address and port (PortSIP down, or a wrong port) (ECONNREFUSED)',
    );
    expect(words('getaddrinfo ENOTFOUND pbx.exmaple.com')).toContain('host name was not found');
    expect(words('HTTP 404: <html>Not Found</html>', 404)).toBe(
      'PortSIP answered HTTP 404: nothing is at that URL there (a wrong path or PortSIP UUID?)',
    );
    expect(words('HTTP 500', 500)).toBe('PortSIP answered HTTP 500: PortSIP failed on its side');
    // A reverse proxy's own page (nginx's "502 Bad Gateway") when PortSIP behind it is down: not PortSIP's failure.
    expect(words('HTTP 502: <html><head><title>502 Bad Gateway</title></head>', 502)).toBe(
      'the route URL answered HTTP 502 (Bad Gateway): the proxy or load balancer in front of PortSIP could not reach it (PortSIP down, or the proxy points at a wrong address or port)',
    );
    expect(words('HTTP 504', 504)).toContain('HTTP 504 (Gateway Timeout): the proxy or load balancer in front of PortSIP');
    expect(words('no complete answer within 15000 ms')).toContain('did not answer in time');
    expect(words('An API error occurred: not_in_channel', null, 'slack')).toContain('/invite @smsops');
    for (const e of ['connect ECONNREFUSED 10.1.2.3:5555', 'getaddrinfo ENOTFOUND pbx.exmaple.com'])
      expect(words(e)).not.toMatch(/10\.1\.2\.3|exmaple/);
  });

  it('names each network and TLS failure Node raises in words, with its code in brackets and no library text', () => {
    // Each as Node 20 / undici word them (the relay records the message only), read on the real process.
    const cases: Array<[string, RegExp, string]> = [
      ['getaddrinfo EAI_AGAIN pbx.example.invalid', /host name was not found/, 'EAI_AGAIN'],
      ['connect EHOSTUNREACH 203.0.113.9:443 - Local (0.0.0.0:0)', /could not be reached/, 'EHOSTUNREACH'],
      ['connect EINVAL 198.18.77.9:443 - Local (0.0.0.0:0)', /could not be reached/, 'EINVAL'],
      [
        'Connect Timeout Error (attempted address: 10.9.9.9:443, timeout: 10000ms)',
        /could not be reached/,
        'UND_ERR_CONNECT_TIMEOUT',
      ],
      ['Headers Timeout Error', /did not answer in time/, ''],
      ['read ECONNRESET', /dropped before PortSIP answered/, 'ECONNRESET'],
      ['other side closed', /dropped before PortSIP answered/, 'UND_ERR_SOCKET'],
      ['socket hang up', /dropped before PortSIP answered/, 'ECONNRESET'],
      [
        'Client network socket disconnected before secure TLS connection was established',
        /closed during the TLS handshake, before any certificate was read/,
        'ECONNRESET',
      ],
      [
        "Hostname/IP does not match certificate's altnames: IP: 10.255.255.1 is not in the cert's list: ",
        /certificate was not accepted/,
        'ERR_TLS_CERT_ALTNAME_INVALID',
      ],
      ['certificate has expired', /certificate was not accepted/, 'CERT_HAS_EXPIRED'],
      ['self-signed certificate', /certificate was not accepted/, 'DEPTH_ZERO_SELF_SIGNED_CERT'],
      [
        '80FC2768897F0000:error:0A00042E:SSL routines:ssl3_read_bytes:tlsv1 alert protocol version:../deps/openssl/openssl/ssl/record/rec_layer_s3.c:1605:SSL alert number 70',
        /only an old TLS version/,
        'ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION',
      ],
      [
        '80FC2768897F0000:error:0A00010B:SSL routines:ssl3_get_record:wrong version number:../deps/openssl/openssl/ssl/record/ssl3_record.c:354:',
        /does not speak HTTPS/,
        'ERR_SSL_WRONG_VERSION_NUMBER',
      ],
      ['connect EMFILE 10.1.2.3:443 - Local (undefined:undefined)', /ran out of open files.*ulimit -n/, 'EMFILE'],
    ];
    for (const [error, meaning, code] of cases) {
      const said = words(error);
      expect(said, error).toMatch(meaning);
      if (code) expect(said, error).toContain(`(${code})`);
      expect(said, error).not.toMatch(/80FC|SSL routines|other side closed|socket hang up|10\.\d|203\.0|198\.18|Local \(/);
    }
  });

  it('tells what to do when the workspace took the token or a scope away, not only that Slack refused', () => {
    // The app reinstalled (a new token, the old one revoked), or an admin removing chat:write.
    expect(words('Slack: token_revoked', null, 'slack')).toContain('set the new Bot User OAuth Token and restart smsops');
    expect(words('Slack: missing_scope', null, 'slack')).toContain('reinstall the app');
  });
});
