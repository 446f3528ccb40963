import { formatPhoneForPeople } from '../phone.js';
import type { TenDlcStatusesReader } from '../ports/tenDlcStatuses.js';
import type { WavixGateway, WavixNumber } from '../ports/wavix.js';

/**
 * Whether the smsops number of a conversation can send the reply, from what smsops can know before sending:
 *
 * - Wavix's record of the number: not on the account any more, or listed without SMS (`sms_enabled`), it cannot send.
 * - A US number needs a 10DLC campaign that US carriers approved. smsops learns a number's campaign only from Wavix's
 *   NumberStatusChanged webhooks and campaigns from polling; it refuses when it knows the number's campaign is not
 *   approved, or knows the account's campaigns and none is approved. When it knows neither (the 10DLC watch never
 *   ran, or the number was put on its campaign before smsops subscribed) the reply goes, and Wavix or the carrier
 *   decides.
 *
 * What is unknown: Wavix publishes no per-number list of the countries a number may text, so a destination the
 * number cannot reach is only learnt from Wavix's refusal of the send (its words reach the thread) or an
 * undelivered report. Reading the number from Wavix can fail too; then the send itself is the check.
 */

/** Wavix's words for a campaign, or a number on one, that may carry traffic. */
const APPROVED = new Set(['APPROVED', 'ACTIVE']);
const isApproved = (status: string) => APPROVED.has(status.trim().toUpperCase());
const digits = (value: string) => value.replace(/\D/g, '');

export interface SendingNumberDeps {
  wavix: { numbers: Pick<WavixGateway['numbers'], 'iterate'> };
  tenDlc: TenDlcStatusesReader;
}

/** Undefined when the number may send, as far as smsops knows; else why not and what to do, in words. */
export async function sendingNumberRefusal(deps: SendingNumberDeps, from: string): Promise<string | undefined> {
  const shown = formatPhoneForPeople(from);
  let number: WavixNumber | undefined;
  try {
    for await (const candidate of deps.wavix.numbers.iterate({ search: digits(from) })) {
      if (digits(candidate.number) === digits(from)) {
        number = candidate;
        break;
      }
    }
  } catch {
    return undefined;
  }
  if (!number) {
    return `${shown} is no longer a number of the Wavix account, so it cannot send the reply. Answer the customer from another number.`;
  }
  if (!number.sms_enabled) {
    return `Wavix lists ${shown} without SMS, so it cannot send the reply. Enable SMS on it in the Wavix portal, or ask Wavix to.`;
  }
  if (number.country_short_name === 'US') return tenDlcRefusal(deps.tenDlc, number.number, shown);
  return undefined;
}

function tenDlcRefusal(tenDlc: TenDlcStatusesReader, wavixNumber: string, shown: string): string | undefined {
  const onCampaigns = tenDlc.ofKind('number').filter((n) => n.number !== null && digits(n.number) === digits(wavixNumber));
  if (onCampaigns.some((n) => isApproved(n.status))) return undefined;
  const [latest] = onCampaigns;
  if (latest) {
    return `${shown} is on 10DLC campaign ${latest.campaignId ?? '(unknown)'} with status ${latest.status}, not approved: US carriers block its SMS. Wait for the campaign to be approved (smsops announces it), then reply again.`;
  }
  const campaigns = tenDlc.ofKind('campaign');
  if (campaigns.length > 0 && !campaigns.some((c) => isApproved(c.status))) {
    return `${shown} is a US number and the account has no approved 10DLC campaign, so US carriers would block the reply. Wait for a campaign to be approved (smsops announces it), then reply again.`;
  }
  return undefined;
}
