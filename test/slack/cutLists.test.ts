import { describe, expect, it } from 'vitest';
import type { Alert } from '../../src/core/model/alert.js';
import type { SenderIdRecord } from '../../src/core/model/senderId.js';
import { toNumberState } from '../../src/core/numbers.js';
import type { WavixNumber } from '../../src/core/ports/wavix.js';
import type { RouteProposal } from '../../src/core/portsipSetup.js';
import { andMore } from '../../src/core/wording.js';
import { blockLimitError } from '../../src/sandbox/fakeSlackApi.js';
import { parseSmsCommand } from '../../src/slack/listeners/commands/parseCommand.js';
import { auditMessage } from '../../src/slack/ui/audit.js';
import { type HomeState, homeView } from '../../src/slack/ui/home.js';
import { pageOf, paginate } from '../../src/slack/ui/pages.js';
import { routeProposalsMessage } from '../../src/slack/ui/portsip.js';
import { section } from '../../src/slack/ui/text.js';
import { dailyDigestMessage, type TrafficReportView, trafficReportMessage } from '../../src/slack/ui/traffic.js';

const at = Date.UTC(2026, 0, 2, 9, 30);
const dateToken = (ms: number) => new RegExp(`<!date\\^${Math.floor(ms / 1000)}\\^[^|>]+\\|[^>]+ UTC>`);

function expectWithinSlackMessageLimits(message: { text: string; blocks: unknown[] }) {
  expect(message.blocks.length).toBeLessThanOrEqual(50);
  expect(blockLimitError(message.blocks)).toBeUndefined();
  expect(message.text.length).toBeLessThanOrEqual(40_000);
}

const alert = (i: number): Alert => ({
  id: i,
  rule: 'legacy',
  subjectKey: `k${i}`,
  status: 'open',
  severity: 'warning',
  facts: null,
  acknowledged: null,
  quiet: null,
  summary: `Something is wrong with thing ${i}`,
  details: {},
  openedAt: at,
  updatedAt: at,
  resolvedAt: null,
  slackChannel: null,
  slackTs: null,
});

const senderId = (i: number): SenderIdRecord => ({
  id: i,
  wavixId: `w${i}`,
  announcement: null,
  value: `Brand${i}`,
  type: 'alphanumeric',
  usecase: null,
  origin: 'wavix_portal',
  requestedBy: null,
  requestedAt: null,
  createdAt: at,
  deletedAt: null,
  deletedBy: null,
  lastPolledAt: null,
  final: true,
  countries: [{ country: 'GB', status: 'approved', reason: null, statusChangedAt: at, announcedAt: null }],
});

const wavixNumber = (i: number): WavixNumber => ({
  id: i,
  number: String(12025560000 + i),
  country_short_name: 'US',
  status: 'active',
  sms_enabled: i % 2 === 0,
  sms_relay_url: null,
  label: null,
});

const report = (failed: number): TrafficReportView => ({
  period: '24h',
  fromMs: at,
  toMs: at + 86_400_000,
  number: null,
  totals: { sent: 100, delivered: 100 - failed, failed, inbound: 3, relayed: 3 },
  deliveryRate: (100 - failed) / 100,
  topFailures: [
    { reason: 'Carrier rejected', count: 10 },
    { reason: 'Unreachable', count: 5 },
  ],
  hourly: [],
});

describe('"and N more": one wording for every cut list', () => {
  it('says how many were left out, in the singular or plural, and how to see them; nothing when none was', () => {
    expect(andMore(275, { one: 'number' }, '`/sms numbers` lists them all.')).toBe(
      '…and 275 more numbers — `/sms numbers` lists them all.',
    );
    expect(andMore(1, { one: 'open alert' }, '`/sms alerts` lists them all.')).toBe(
      '…and 1 more open alert — `/sms alerts` lists them all.',
    );
    expect(andMore(2, { one: 'entry', many: 'entries' }, 'x')).toBe('…and 2 more entries — x');
    expect(andMore(0, { one: 'number' }, 'x')).toBe('');
  });

  it('pages a list so that every item is on exactly one page, each within Slack’s limits', () => {
    const items = Array.from({ length: 307 }, (_, i) => i);
    const pages = paginate(items, (i) => [section(`item ${i} ${'x'.repeat(i % 7 === 0 ? 2500 : 100)}`)], {
      reservedBlocks: 4,
      reservedText: 1000,
      maxItems: 20,
    });
    expect(pages.flat()).toEqual(items);
    for (const page of pages) expect(blockLimitError(page.map((i) => section(`item ${i}`)))).toBeUndefined();
    const last = pageOf(pages, 99);
    expect(last).toMatchObject({ number: pages.length, count: pages.length, asked: 99, total: 307 });
    expect(pageOf(pages, 2).first).toBe(pages[0]?.length);
  });

  it('reads `page N` and a search after the list commands, and still names a mistyped verb', () => {
    const parsed = (text: string) => {
      const result = parseSmsCommand(text);
      return result.ok ? result.command : result;
    };
    expect(parsed('numbers page 2')).toEqual({ kind: 'number.list', page: 2 });
    expect(parsed('numbers +1 202 556')).toEqual({ kind: 'number.list', query: '+1 202 556' });
    expect(parsed('numbers GB page 3')).toEqual({ kind: 'number.list', query: 'GB', page: 3 });
    expect(parsed('number find Support desk')).toEqual({ kind: 'number.list', query: 'Support desk' });
    expect(parsed('routes page 4')).toEqual({ kind: 'route.list', page: 4 });
    expect(parsed('routes 202')).toEqual({ kind: 'route.list', query: '202' });
    expect(parsed('audit 20 page 3')).toEqual({ kind: 'audit', limit: 20, page: 3 });
    expect(parsed('audit page 2')).toEqual({ kind: 'audit', limit: 10, page: 2 });
    expect(parsed('portsip page 2')).toEqual({ kind: 'portsip.routes', page: 2 });
    expect(parsed('numbers find Desk 20 page 2')).toEqual({ kind: 'number.list', query: 'Desk 20', page: 2 });
    expect(parsed('routes find default')).toEqual({ kind: 'route.list', query: 'default' });
    expect(parsed('numbers page 0')).toMatchObject({ ok: false, topic: 'number' });
    expect(parsed('number frobnicate')).toMatchObject({ ok: false, problem: expect.stringContaining('is not a command') });
    expect(parsed('route frobnicate')).toMatchObject({ ok: false, topic: 'route' });
  });
});

describe('the Home tab on a large account', () => {
  const state = (over: Partial<HomeState>): HomeState => ({
    senderIds: [],
    routes: { routes: [], fallbackPortsipUrl: null },
    relay: {
      destinations: [
        {
          destinationKind: 'portsip',
          destination: 'https://pbx',
          pending: 0,
          dead: 0,
          oldestPendingCreatedAt: null,
          lastDeliveredAt: at,
          failing: [],
        },
      ] as unknown as HomeState['relay']['destinations'],
      pending: 0,
      dead: 0,
      oldestPendingAgeMs: null,
    },
    openAlerts: [],
    numbers: 'loading',
    now: at,
    ...over,
  });

  it('counts the alerts, Sender IDs and numbers it leaves out and names the command that lists them', () => {
    const numbers = Array.from({ length: 300 }, (_, i) => toNumberState(wavixNumber(i), 'https://s/x', 'https://s/x'));
    const view = homeView(
      state({
        openAlerts: Array.from({ length: 40 }, (_, i) => alert(i)),
        senderIds: Array.from({ length: 35 }, (_, i) => senderId(i)),
        numbers: { numbers, accountWebhook: 'https://s/x', accountPointsAtSmsops: true, smsopsUrlKnown: true },
      }),
    );
    const text = JSON.stringify(view);
    expect(text).toContain('…and 25 more open alerts — `/sms alerts` lists them.');
    expect(text).toContain('…and 5 more Sender IDs — `/sms senderid list` lists them.');
    expect(text).toContain('…and 275 more numbers — `/sms numbers` lists them all');
    expect(view.blocks.length).toBeLessThanOrEqual(100);
    for (const block of view.blocks) {
      if (block.type === 'section')
        expect((block as { text?: { text: string } }).text?.text.length ?? 0).toBeLessThanOrEqual(3000);
    }
  });

  it('shows its times in the reader’s own time zone', () => {
    const text = JSON.stringify(homeView(state({})));
    expect(text).toMatch(dateToken(at));
    expect(text).not.toContain('2026-01-02 09:30 UTC.');
    expect(text).toContain('Last delivery <!date^');
  });
});

describe('traffic report and daily digest', () => {
  it('show their period as Slack date tokens, only in blocks', () => {
    for (const message of [trafficReportMessage(report(20)), dailyDigestMessage(report(20), [])]) {
      const blocks = JSON.stringify(message.blocks);
      expect(blocks).toMatch(dateToken(at));
      expect(blocks).toMatch(dateToken(at + 86_400_000));
      expect(message.text).not.toContain('<!date');
    }
  });

  it('count the failures of reasons not listed, and the open alerts the digest leaves out', () => {
    const digest = dailyDigestMessage(
      report(20),
      Array.from({ length: 13 }, (_, i) => alert(i)),
    );
    const text = JSON.stringify(digest);
    expect(text).toContain('…and 5 more failures — with other reasons; `/sms traffic 24h <number>`');
    expect(text).toContain('…and 3 more open alerts — `/sms alerts` lists them.');
    expectWithinSlackMessageLimits(digest);
    expect(JSON.stringify(trafficReportMessage(report(15)))).not.toContain('more failures');
  });
});

describe('/sms portsip and /sms audit on a large PBX', () => {
  it('pages 300 route proposals, every one reachable, each page within Slack’s limits', () => {
    const proposals: RouteProposal[] = Array.from({ length: 300 }, (_, i) => ({
      number: `+1202556${String(i).padStart(4, '0')}`,
      portsipUrl: `https://pbx.example.com:8887/api/emc/Wavix - US/ffff0000-1111-2222-3333-${String(i).padStart(12, '0')}`,
      configuration: { id: `c${i}`, name: 'Wavix - US', providerName: 'Wavix', providerBrand: 'Wavix' },
      currentUrl: null,
      alreadyInPlace: false,
      alsoClaimedBy: [],
      destinationNote: null,
      refusedBecause: null,
    }));
    const seen = new Set<string>();
    let page = 1;
    for (; page < 40; page++) {
      const message = routeProposalsMessage(proposals, { page });
      expectWithinSlackMessageLimits(message);
      const text = JSON.stringify(message);
      for (const m of text.match(/\+1 202 556 \d{4}/g) ?? []) seen.add(m);
      if (!text.includes(`\`/sms portsip page ${page + 1}\` shows the next ones`)) break;
    }
    expect(seen.size).toBe(300);
    expect(page).toBe(15);
  });

  it('keeps a page of 50 long audit entries within Slack’s limits and says how many older ones there are', () => {
    const entries = Array.from({ length: 50 }, (_, i) => ({
      id: i,
      at,
      actor: 'U0ADMIN001',
      action: 'webhook.set',
      target: `+1202556${String(i).padStart(4, '0')}`,
      params: {},
      outcome: 'failed' as const,
      detail: 'Wavix refused <this> & that. '.repeat(40),
    }));
    const message = auditMessage(entries, { limit: 50, page: 1, total: 180 });
    expectWithinSlackMessageLimits(message);
    expect(JSON.stringify(message)).toContain('…and 130 more changes — `/sms audit 50 page 2` shows the next 50, older ones.');
  });
});
