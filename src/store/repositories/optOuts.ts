import type { NewOptOut, OptOut, OptOutSource, OptOutsRepository } from '../../core/ports/optOuts.js';
import type { Db } from '../database.js';

interface Row {
  id: number;
  customer_number: string;
  sender: string | null;
  source: OptOutSource;
  keyword: string | null;
  campaign_id: string | null;
  opted_out_at: number;
  lifted_at: number | null;
  lifted_by: string | null;
}

const toOptOut = (r: Row): OptOut => ({
  id: r.id,
  customerNumber: r.customer_number,
  sender: r.sender,
  source: r.source,
  keyword: r.keyword,
  campaignId: r.campaign_id,
  optedOutAt: r.opted_out_at,
  liftedAt: r.lifted_at,
  liftedBy: r.lifted_by,
});

/**
 * Phone numbers are kept as digits so "+1 415…" from Slack and "1415…" from Wavix meet; an alphanumeric Sender ID
 * ("ACME") is kept as it is.
 */
const phoneLike = /^[+\d\s().-]+$/;
export const optOutKey = (value: string): string => (phoneLike.test(value) ? value.replace(/\D/g, '') : value.trim());

export function createOptOutsRepository(db: Db, now: () => number = Date.now): OptOutsRepository {
  const insert = db.prepare<[string, string | null, OptOutSource, string | null, string | null, number], Row>(`
    INSERT INTO opt_outs (customer_number, sender, source, keyword, campaign_id, opted_out_at) VALUES (?, ?, ?, ?, ?, ?)
    ON CONFLICT DO NOTHING RETURNING *`);
  const inForceFor = db.prepare<[string, string], Row>(
    "SELECT * FROM opt_outs WHERE customer_number = ? AND coalesce(sender, '') = ? AND lifted_at IS NULL",
  );
  // A STOP repeated while one is in force dates it by the latest: a START sent between the two (posted late) must not
  // lift it, as the customer's last word was STOP.
  const redate = db.prepare<[number, number, number], Row>(
    'UPDATE opt_outs SET opted_out_at = ? WHERE id = ? AND opted_out_at < ? RETURNING *',
  );
  const liftOne = db.prepare<[number, string, number], Row>(
    'UPDATE opt_outs SET lifted_at = ?, lifted_by = ? WHERE id = ? RETURNING *',
  );
  // Its own opt-out before a blanket one, so on-call sees the keyword the person sent to this number.
  const blocking = db.prepare<[string, string], Row>(`
    SELECT * FROM opt_outs WHERE customer_number = ? AND lifted_at IS NULL AND (sender = ? OR sender IS NULL)
    ORDER BY sender IS NULL, opted_out_at DESC LIMIT 1`);
  const inForce = db.prepare<[], Row>('SELECT * FROM opt_outs WHERE lifted_at IS NULL ORDER BY opted_out_at DESC, id DESC');
  const inForceFrom = db.prepare<[OptOutSource], Row>(
    'SELECT * FROM opt_outs WHERE lifted_at IS NULL AND source = ? ORDER BY opted_out_at DESC, id DESC',
  );
  const history = db.prepare<[string], Row>(
    'SELECT * FROM opt_outs WHERE customer_number = ? ORDER BY opted_out_at DESC, id DESC',
  );

  const record = db.transaction((optOut: NewOptOut) => {
    const customer = optOutKey(optOut.customerNumber);
    const sender = optOut.sender === null ? null : optOutKey(optOut.sender);
    const inserted = insert.get(
      customer,
      sender,
      optOut.source,
      optOut.keyword ?? null,
      optOut.campaignId ?? null,
      optOut.at ?? now(),
    );
    if (inserted) return { optOut: toOptOut(inserted), created: true };
    const existing = inForceFor.get(customer, sender ?? '') as Row;
    const at = optOut.at ?? now();
    const redated =
      optOut.source === 'inbound_keyword' && existing.source === 'inbound_keyword' ? redate.get(at, existing.id, at) : undefined;
    return { optOut: toOptOut(redated ?? existing), created: false };
  });
  const lift = db.transaction((customerNumber: string, sender: string | null, liftedBy: string, sentAt?: number) => {
    const row = inForceFor.get(optOutKey(customerNumber), sender === null ? '' : optOutKey(sender));
    if (!row || (sentAt !== undefined && row.opted_out_at > sentAt)) return undefined;
    const lifted = liftOne.get(now(), liftedBy, row.id);
    return lifted ? toOptOut(lifted) : undefined;
  });

  return {
    record: (optOut) => record(optOut),
    lift: (customerNumber, sender, liftedBy, sentAt) => lift(customerNumber, sender, liftedBy, sentAt),
    blocking: (customerNumber, sender) => {
      const row = blocking.get(optOutKey(customerNumber), optOutKey(sender));
      return row ? toOptOut(row) : undefined;
    },
    inForce: (source) => (source ? inForceFrom.all(source) : inForce.all()).map(toOptOut),
    history: (customerNumber) => history.all(optOutKey(customerNumber)).map(toOptOut),
  };
}
