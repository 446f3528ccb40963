/**
 * A customer's number where smsops keeps a record longer than the number itself: a reply's audit entry once its
 * conversation is past RETENTION_DAYS, the audit entry of `/sms forget`. The last four digits after dots ('•••0111')
 * tell the entries of one conversation apart; too few to text or call anyone, or to find them in another record.
 */
const DOTS = '•••';

export function maskedCustomerNumber(number: string): string {
  return `${DOTS}${number.replace(/\D/g, '').slice(-4)}`;
}

/** `maskedCustomerNumber` in SQL, for a column holding the number as Wavix writes it (digits). */
export const maskedCustomerNumberSql = (column: string): string => `'${DOTS}' || substr(${column}, -4)`;

/** In SQL: the column holds a number not masked yet. */
export const unmaskedNumberSql = (column: string): string => `${column} IS NOT NULL AND instr(${column}, '${DOTS}') <> 1`;
