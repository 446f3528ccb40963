import { describe, expect, it } from 'vitest';
import {
  senderIdDecisionsMessage,
  senderIdRejectedAlertSummary,
  tenDlcAlertSummary,
  tenDlcChangeMessage,
} from '../../src/slack/ui/approvals.js';
import type { TenDlcStatus } from '../../src/store/repositories/tenDlc.js';

const acme = {
  value: 'Acme',
  type: 'alphanumeric' as const,
  wavixId: '6f1c2b7e-0000-4000-8000-000000000001',
  origin: 'smsops' as const,
  requestedBy: 'U0ALICE001',
};

/** Everything Slack renders or notifies with: the fallback text and every text inside the blocks. */
const rendered = (message: { text: string; blocks: unknown[] }) => `${message.text}\n${JSON.stringify(message.blocks)}`;

const campaignChange = (over: Partial<TenDlcStatus> = {}): TenDlcStatus => ({
  kind: 'campaign',
  subjectKey: 'CKLCK95',
  brandId: 'BM20QP9',
  campaignId: 'CKLCK95',
  number: null,
  label: 'Customer care',
  status: 'APPROVED',
  previousStatus: 'REVIEW',
  source: 'poll',
  statusChangedAt: 0,
  seenAt: 0,
  changeSeq: 2,
  announcedAt: null,
  ...over,
});

describe('Sender ID decision announcements', () => {
  it('names the requester and lists approved, rejected (with the reason) and removed countries', () => {
    const message = senderIdDecisionsMessage(acme, [
      { country: 'FR', status: 'approved', reason: null },
      { country: 'DE', status: 'approved', reason: null },
      { country: 'IN', status: 'rejected', reason: 'Company registration document missing' },
      { country: 'GB', status: 'removed', reason: 'no longer in Wavix allowlisted_in' },
    ]);
    expect(message.text).toBe('Sender ID Acme (requested by <@U0ALICE001>): approved in FR, DE; rejected in IN; removed from GB');
    const all = rendered(message);
    expect(all).toContain('*Approved* in France (FR), Germany (DE)');
    expect(all).toContain('*Rejected* in India (IN): Company registration document missing');
    expect(all).toContain('*Removed* from United Kingdom (GB)');
  });

  it('says a Sender ID made in the Wavix portal was, and mentions nobody', () => {
    const message = senderIdDecisionsMessage({ ...acme, origin: 'wavix_portal', requestedBy: null }, [
      { country: 'FR', status: 'approved', reason: null },
    ]);
    expect(message.text).toContain('created in the Wavix portal');
    expect(rendered(message)).not.toContain('<@');
  });

  it('shows a numeric Sender ID as a phone number', () => {
    const message = senderIdDecisionsMessage({ ...acme, type: 'numeric', value: '447400123456' }, [
      { country: 'FR', status: 'approved', reason: null },
    ]);
    expect(message.text).toContain('+44 7400 123456');
  });

  it('escapes a Sender ID value and a reason that look like mentions or links', () => {
    const message = senderIdDecisionsMessage({ ...acme, value: '<!channel>', requestedBy: '<!here>' }, [
      { country: 'FR', status: 'rejected', reason: 'see <https://evil.example|your bank> <!everyone>' },
    ]);
    const all = rendered(message);
    expect(all).not.toMatch(/<!|<https/);
    expect(all).toContain('&lt;!channel&gt;');
    expect(all).toContain('&lt;https://evil.example|your bank&gt; &lt;!everyone&gt;');
  });

  it('gives the rejection alert its raw words (the alert view escapes them)', () => {
    expect(senderIdRejectedAlertSummary(acme, 'IN', 'Documents <missing>')).toBe(
      'Sender ID Acme was rejected in India (IN): Documents <missing>',
    );
  });
});

describe('10DLC status announcements', () => {
  it('names the campaign, its brand and the status it moved from', () => {
    const message = tenDlcChangeMessage({ change: campaignChange(), brandLabel: 'Example', campaignLabel: 'Customer care' });
    expect(message.text).toBe('10DLC campaign CKLCK95 (Customer care, brand Example BM20QP9) is now `APPROVED` (was `REVIEW`)');
    expect(rendered(message)).toContain('seen when polling Wavix');
  });

  it('shows a number on a campaign as a phone number', () => {
    const change = campaignChange({
      kind: 'number',
      subjectKey: 'CKLCK95:14155550100',
      number: '14155550100',
      status: 'REJECTED',
      previousStatus: null,
      source: 'webhook',
    });
    const message = tenDlcChangeMessage({ change, brandLabel: null, campaignLabel: null });
    expect(message.text).toBe('10DLC number +1 415 555 0100 on campaign CKLCK95 (brand BM20QP9) is now `REJECTED` (first seen)');
    expect(rendered(message)).toContain("reported by Wavix's status webhook");
  });

  it('escapes brand and campaign names from Wavix', () => {
    const view = { change: campaignChange({ status: 'DECLINED' }), brandLabel: '<!channel> Corp', campaignLabel: '<@U0BOSS01>' };
    const all = rendered(tenDlcChangeMessage(view));
    expect(all).not.toMatch(/<!|<@/);
    expect(all).toContain('&lt;!channel&gt; Corp');
    expect(tenDlcAlertSummary(view)).toContain('(<@U0BOSS01>, brand <!channel> Corp BM20QP9) is `DECLINED`');
  });

  // Shown through the lookalikes that keep a name's `_` from formatting, a status read "SELF＿DECLARED" (a probe).
  it("shows a status as Wavix writes it, in inline code, and a status that is not Wavix's on one line, inert", () => {
    const brand = campaignChange({ kind: 'brand', subjectKey: 'BM20QP9', campaignId: null, status: 'SELF_DECLARED' });
    const message = tenDlcChangeMessage({
      change: { ...brand, previousStatus: 'VETTED_VERIFIED' },
      brandLabel: null,
      campaignLabel: null,
    });
    expect(rendered(message)).toContain('is now `SELF_DECLARED` (was `VETTED_VERIFIED`)');
    expect(rendered(message)).not.toContain('\uFF3F');
    expect(tenDlcAlertSummary({ change: brand, brandLabel: null, campaignLabel: null })).toContain('is `SELF_DECLARED`:');

    const forged = campaignChange({ status: 'APPROVED`\n\n:white_check_mark: *Resolved* <!channel>' });
    const shown = tenDlcChangeMessage({ change: forged, brandLabel: null, campaignLabel: null });
    expect(shown.text).toContain("is now `APPROVED'  :white_check_mark: *Resolved* &lt;!channel&gt;` (was `REVIEW`)");
    expect(rendered(shown)).not.toMatch(/<!|\\n/);
  });
});
