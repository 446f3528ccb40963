import { parseIsoTime } from './isoTime.js';
import { classifyConsentKeyword } from './model/optOutKeywords.js';
import { nationalDigitsOf } from './phone.js';
import type { OptOut, OptOutsRepository } from './ports/optOuts.js';

/**
 * Keeping smsops' opt-out record in step with what customers say and with Wavix's own list. Pure use cases over the
 * OptOutsRepository port: the inbound relay calls `recordConsentKeyword` for every SMS it takes in, and a job calls
 * `syncWavixOptOuts` with Wavix's listing.
 */

export type ConsentChange =
  | { change: 'opted_out'; optOut: OptOut; created: boolean }
  | { change: 'opted_in'; lifted: OptOut | undefined }
  | { change: 'none' };

/**
 * An inbound SMS from `from` to the smsops number `to`: a whole-message STOP opts out, START/UNSTOP opts back in.
 * `at` is when the person sent it (Wavix's received_at): a STOP is dated by it, and a START lifts only an opt-out made
 * before it, so one Wavix posts after a later STOP (its retry, out of order) leaves that STOP in force.
 */
export function recordConsentKeyword(
  optOuts: OptOutsRepository,
  message: { from: string; to: string; text: string; at?: number },
): ConsentChange {
  const { kind, keyword } = classifyConsentKeyword(message.text);
  if (kind === 'opt_out') {
    const { optOut, created } = optOuts.record({
      customerNumber: message.from,
      sender: message.to,
      source: 'inbound_keyword',
      keyword,
      ...(message.at !== undefined ? { at: message.at } : {}),
    });
    return { change: 'opted_out', optOut, created };
  }
  if (kind === 'opt_in') {
    const liftedBy = keyword ?? 'START';
    const lifted = optOuts.lift(message.from, message.to, liftedBy, message.at);
    // A STOP texted as (323) 555-0100 before national forms were read in their country is kept under 3235550100, and
    // replies check those digits too (replyAssessment.ts): their START, now read as 13235550100, lifted nothing there,
    // so replies stayed refused as 'the customer texted STOP' after they opted back in (a probe).
    const national = nationalDigitsOf(message.from);
    const older = national === undefined ? undefined : optOuts.lift(national, message.to, liftedBy, message.at);
    return { change: 'opted_in', lifted: lifted ?? older };
  }
  return { change: 'none' };
}

/** One entry of Wavix's opt-out list, in Wavix's field names (only what the sync reads). */
export interface ListedOptOut {
  phone_number: string;
  sender_id: string | null;
  campaign_id: string | null;
  created_at: string | null;
}

export interface OptOutSyncReport {
  added: number;
  lifted: number;
  listed: number;
}

const digitsOrAsIs = (value: string) => (/^[+\d\s().-]+$/.test(value) ? value.replace(/\D/g, '') : value.trim());
const pairKey = (customer: string, sender: string | null) =>
  `${digitsOrAsIs(customer)}|${sender === null ? '' : digitsOrAsIs(sender)}`;

/**
 * Records every opt-out Wavix lists that smsops does not have, and lifts those smsops took from Wavix earlier that
 * Wavix no longer lists (removed in the portal, or lifted by a START Wavix saw). Opt-outs smsops recorded from
 * keywords itself are never lifted by the sync: Wavix not listing a STOP does not mean the person took it back.
 *
 * An entry naming only a 10DLC campaign is recorded as an opt-out of every sender: smsops would rather not text
 * someone than guess which numbers the campaign covers. After a START smsops lifted, an entry Wavix still lists comes
 * back as a Wavix opt-out; that is right, since Wavix would refuse the send anyway.
 *
 * The listing must be complete (every page): a partial one would lift opt-outs that are still in force, so an error
 * while reading it ends the sync before anything is lifted.
 */
export async function syncWavixOptOuts(
  optOuts: OptOutsRepository,
  listing: AsyncIterable<ListedOptOut>,
): Promise<OptOutSyncReport> {
  const listed = new Map<string, ListedOptOut>();
  for await (const entry of listing) listed.set(pairKey(entry.phone_number, entry.sender_id), entry);

  let added = 0;
  for (const entry of listed.values()) {
    // Read as the other Wavix times are: a form V8 cannot parse no longer loses the opt-out's own time.
    const at = entry.created_at === null ? null : parseIsoTime(entry.created_at);
    const { created } = optOuts.record({
      customerNumber: entry.phone_number,
      sender: entry.sender_id,
      source: 'wavix',
      campaignId: entry.campaign_id,
      ...(at === null ? {} : { at }),
    });
    if (created) added += 1;
  }
  let lifted = 0;
  for (const optOut of optOuts.inForce('wavix')) {
    if (listed.has(pairKey(optOut.customerNumber, optOut.sender))) continue;
    if (optOuts.lift(optOut.customerNumber, optOut.sender, 'wavix')) lifted += 1;
  }
  return { added, lifted, listed: listed.size };
}
