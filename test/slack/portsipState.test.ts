import { describe, expect, it } from 'vitest';
import type { Delivery } from '../../src/core/model/delivery.js';
import { portsipStateOf } from '../../src/slack/notifier/slackPostUpdater.js';
import { portsipStateText } from '../../src/slack/ui/inboundSms.js';

const delivery = (over: Partial<Delivery>): Delivery => ({
  id: 1,
  inboundMessageId: 1,
  destinationKind: 'portsip',
  destination: 'https://pbx.example.com/emc/Wavix - US/a558',
  conversationKey: 'c',
  status: 'pending',
  attempts: 1,
  nextAttemptAt: Date.UTC(2026, 10, 27, 12, 5),
  leaseUntil: null,
  lastAttemptAt: Date.UTC(2026, 10, 27, 12, 4),
  lastStatusCode: null,
  lastError: null,
  deterministicFailures: 0,
  createdAt: Date.UTC(2026, 10, 27, 12, 0),
  deliveredAt: null,
  deadAt: null,
  retryWindowStartedAt: Date.UTC(2026, 10, 27, 12, 0),
  replayedAt: null,
  releasedAt: null,
  ...over,
});

describe('the PortSIP state a relayed SMS post shows', () => {
  it('says an SMS whose old route took it while its route was changed is moved, not retrying after "HTTP 200"', () => {
    const text = portsipStateText(portsipStateOf([delivery({ lastStatusCode: 200 })]));
    expect(text).toContain('moved to a new route');
    expect(text).not.toContain('HTTP 200');
  });

  it('names the status of a refused attempt', () => {
    expect(portsipStateText(portsipStateOf([delivery({ lastStatusCode: 503 })]))).toContain('PortSIP retrying (HTTP 503');
  });

  it('words a connection failure with its code in brackets, never the library text or the address, to the channel', () => {
    const openssl =
      '80FC2768897F0000:error:0A00010B:SSL routines:ssl3_get_record:wrong version number:../deps/openssl/openssl/ssl/record/ssl3_record.c:354:';
    const said = (lastError: string, status: Delivery['status'] = 'pending') =>
      portsipStateText(portsipStateOf([delivery({ lastError, status })]));
    expect(said(openssl)).toContain(
      'PortSIP retrying (the server does not speak HTTPS [ERR_SSL_WRONG_VERSION_NUMBER], attempt 1',
    );
    expect(said('connect ECONNREFUSED 10.1.2.3:8887')).toContain('PortSIP retrying (connection refused [ECONNREFUSED]');
    expect(said('read ECONNRESET')).toContain('connection closed [ECONNRESET]');
    expect(said('other side closed', 'dead')).toBe('PortSIP dead: connection closed [UND_ERR_SOCKET]');
    for (const e of [openssl, 'connect ECONNREFUSED 10.1.2.3:8887', 'other side closed'])
      expect(said(e)).not.toMatch(/80FC|SSL routines|10\.1\.2\.3|other side closed/);
  });

  it('says a failure outside the words table in fixed words, never its text or the address it names, to the channel', () => {
    const said = (lastError: string) => portsipStateText(portsipStateOf([delivery({ lastError })]));
    // Node's own text for a local address that cannot be bound, and the relay's guard against a name turned inward.
    const unbound = said('connect EADDRNOTAVAIL 10.1.2.3:8887 - Local (0.0.0.0:0)');
    expect(unbound).toContain('PortSIP retrying (the attempt failed before PortSIP answered [EADDRNOTAVAIL], attempt 1');
    const guarded = said('pbx.attacker.test resolves to 169.254.169.254 (169.254.0.0/16); smsops does not send there');
    expect(guarded).toContain('PortSIP retrying (smsops refuses to send there (see the route), attempt 1');
    for (const text of [unbound, guarded]) expect(text).not.toMatch(/10\.1\.2\.3|169\.254|attacker|Local \(/);
    expect(said('smsops stopped before PortSIP answered')).toContain('PortSIP retrying (smsops stopped before PortSIP answered');
  });
});
