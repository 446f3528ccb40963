import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type ListedOptOut, recordConsentKeyword, syncWavixOptOuts } from '../../src/core/optOutConsent.js';
import type { OptOutsRepository } from '../../src/core/ports/optOuts.js';
import { assessReply } from '../../src/core/replyAssessment.js';
import { createOptOutsRepository } from '../../src/store/repositories/optOuts.js';
import { createTempDb, type TempDb } from '../helpers/tempDb.js';

const DID = '14155550100';
const CUSTOMER = '12025550143';
let t: TempDb;
let optOuts: OptOutsRepository;
beforeEach(() => {
  t = createTempDb();
  optOuts = createOptOutsRepository(t.db, t.clock.now);
});
afterEach(() => t.cleanup());

async function* listing(entries: Array<Partial<ListedOptOut> & { phone_number: string }>) {
  for (const e of entries) yield { sender_id: null, campaign_id: null, created_at: null, ...e };
}

describe('recordConsentKeyword', () => {
  it('records STOP as an opt-out of the number it was sent to, once', () => {
    const first = recordConsentKeyword(optOuts, { from: `+${CUSTOMER}`, to: DID, text: 'Stop.' });
    expect(first).toMatchObject({ change: 'opted_out', created: true, optOut: { keyword: 'STOP', sender: DID } });
    expect(recordConsentKeyword(optOuts, { from: CUSTOMER, to: DID, text: 'quit' })).toMatchObject({ created: false });
    expect(optOuts.blocking(CUSTOMER, DID)?.source).toBe('inbound_keyword');
  });

  it('lifts it on START or UNSTOP, and ignores ordinary messages', () => {
    recordConsentKeyword(optOuts, { from: CUSTOMER, to: DID, text: 'STOP' });
    expect(recordConsentKeyword(optOuts, { from: CUSTOMER, to: DID, text: 'please stop calling' })).toEqual({ change: 'none' });
    expect(recordConsentKeyword(optOuts, { from: CUSTOMER, to: DID, text: 'unstop' })).toMatchObject({
      change: 'opted_in',
      lifted: { liftedBy: 'UNSTOP' },
    });
    expect(optOuts.blocking(CUSTOMER, DID)).toBeUndefined();
    expect(recordConsentKeyword(optOuts, { from: CUSTOMER, to: DID, text: 'START' })).toEqual({
      change: 'opted_in',
      lifted: undefined,
    });
  });
});

describe('syncWavixOptOuts', () => {
  it('adds what Wavix lists, with Wavix’s time, and lifts only its own entries that Wavix dropped', async () => {
    recordConsentKeyword(optOuts, { from: CUSTOMER, to: DID, text: 'STOP' });
    const first = await syncWavixOptOuts(
      optOuts,
      listing([
        { phone_number: CUSTOMER, sender_id: DID, created_at: '2026-11-25T12:00:05Z' },
        { phone_number: '15551234567', sender_id: 'MySender', created_at: '2024-01-15T10:30:00Z' },
        { phone_number: '15559876543', campaign_id: 'C123456' },
        // ISO 8601 that V8's Date.parse refuses: the opt-out keeps Wavix's time all the same.
        { phone_number: '15550001111', sender_id: 'MySender', created_at: '2024-01-15T10:30:00,5+00' },
      ]),
    );
    expect(first).toEqual({ added: 3, lifted: 0, listed: 4 });
    expect(optOuts.blocking('15551234567', 'MySender')?.optedOutAt).toBe(Date.parse('2024-01-15T10:30:00Z'));
    expect(optOuts.blocking('15550001111', 'MySender')?.optedOutAt).toBe(Date.parse('2024-01-15T10:30:00.500Z'));
    // A campaign-only entry blocks every sender.
    expect(optOuts.blocking('15559876543', DID)?.campaignId).toBe('C123456');

    const second = await syncWavixOptOuts(optOuts, listing([]));
    expect(second).toEqual({ added: 0, lifted: 3, listed: 0 });
    expect(optOuts.blocking('15551234567', 'MySender')).toBeUndefined();
    // The STOP smsops received itself stays whatever Wavix lists.
    expect(optOuts.blocking(CUSTOMER, DID)?.keyword).toBe('STOP');
  });

  it('lifts nothing when the listing fails part-way', async () => {
    await syncWavixOptOuts(optOuts, listing([{ phone_number: '15551234567', sender_id: 'MySender' }]));
    async function* broken(): AsyncGenerator<ListedOptOut> {
      yield* listing([]);
      throw new Error('page 2 failed');
    }
    await expect(syncWavixOptOuts(optOuts, broken())).rejects.toThrow('page 2 failed');
    expect(optOuts.inForce('wavix')).toHaveLength(1);
  });
});

describe('assessReply', () => {
  it('passes a reply with its segments', () => {
    expect(assessReply(optOuts, { from: DID, to: CUSTOMER, text: 'We’re on it' })).toMatchObject({
      ok: true,
      summary: '1 segment, UCS-2 because of ’',
    });
  });

  it('refuses an empty reply', () => {
    expect(assessReply(optOuts, { from: DID, to: CUSTOMER, text: '  \n' })).toMatchObject({ ok: false, reason: 'empty' });
    // Invisible on a phone though not Unicode's Cf: a lone variation selector, a combining grapheme joiner, Khmer's
    // invisible vowel. Each would go out as a UCS-2 segment showing nothing.
    for (const text of ['\uFE0F', ' \u034F ', '\u17B5', '\u{E0100}']) {
      expect(assessReply(optOuts, { from: DID, to: CUSTOMER, text })).toMatchObject({ ok: false, reason: 'empty' });
    }
    // A visible character with its variation selector is text.
    expect(assessReply(optOuts, { from: DID, to: CUSTOMER, text: '\u2764\uFE0F' }).ok).toBe(true);
  });

  it('refuses a reply to someone who opted out, saying how', () => {
    recordConsentKeyword(optOuts, { from: CUSTOMER, to: DID, text: 'END' });
    expect(assessReply(optOuts, { from: `+${DID}`, to: `+${CUSTOMER}`, text: 'hi' })).toMatchObject({
      ok: false,
      reason: 'opted_out',
      summary: 'Not sent: the customer texted END.',
    });
    optOuts.record({ customerNumber: '15551234567', sender: null, source: 'wavix' });
    expect(assessReply(optOuts, { from: DID, to: '15551234567', text: 'hi' }).summary).toBe(
      'Not sent: the customer is on Wavix’s opt-out list.',
    );
  });

  it('refuses a reply over Wavix’s length limit, counted in septets or code units', () => {
    expect(assessReply(optOuts, { from: DID, to: CUSTOMER, text: 'a'.repeat(1630) }).ok).toBe(true);
    expect(assessReply(optOuts, { from: DID, to: CUSTOMER, text: 'a'.repeat(1631) })).toMatchObject({
      ok: false,
      reason: 'too_long',
    });
    expect(assessReply(optOuts, { from: DID, to: CUSTOMER, text: '€'.repeat(816) })).toMatchObject({ reason: 'too_long' });
    // The person typed 816 characters: the refusal says so beside the septets the limit counts.
    expect(assessReply(optOuts, { from: DID, to: CUSTOMER, text: '€'.repeat(816) }).summary).toMatch(
      /^Not sent: 1632 GSM-7 septets \(816 characters; € \[ \] \{ \} ~ \^ \| \\ count 2\) is over Wavix’s limit of 1630/,
    );
    expect(assessReply(optOuts, { from: DID, to: CUSTOMER, text: 'a'.repeat(1631) }).summary).toMatch(
      /^Not sent: 1631 characters is over/,
    );
    expect(assessReply(optOuts, { from: DID, to: CUSTOMER, text: 'я'.repeat(670) }).ok).toBe(true);
    expect(assessReply(optOuts, { from: DID, to: CUSTOMER, text: '😀'.repeat(336) }).summary).toContain(
      '672 UCS-2 units (336 characters; an emoji counts 2)',
    );
  });
});
