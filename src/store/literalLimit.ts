/**
 * A statement whose LIMIT is written into its SQL: one prepared statement per limit, made on first use.
 *
 * SQLite (3.53 as better-sqlite3 12 builds it) reads a bound LIMIT while planning and marks that parameter as one the
 * plan depends on (sqlite3ExprIsInteger → sqlite3VdbeSetVarmask), so binding it again expires the statement: every
 * run of a `LIMIT ?` statement is a whole new prepare. Measured on the relay's due-heads read: 62 µs a claim of one
 * delivery with `LIMIT @limit`, 10 µs with the limit written in. better-sqlite3 cannot turn that off per connection
 * (SQLITE_DBCONFIG_ENABLE_QPSG is not exposed).
 */
export function literalLimit<S>(prepare: (limit: number) => S, options: { cached?: number } = {}): (limit: number) => S {
  const cached = options.cached ?? 128;
  const statements = new Map<number, S>();
  return (limit) => {
    if (!Number.isSafeInteger(limit) || limit < 0) throw new RangeError(`a LIMIT must be a whole number ≥ 0, not ${limit}`);
    const known = statements.get(limit);
    if (known) return known;
    const statement = prepare(limit);
    // Limits come from a few settings (concurrency, prefetch, batch size); past the bound they are prepared each time
    // rather than kept, as a bound LIMIT would be.
    if (statements.size < cached) statements.set(limit, statement);
    return statement;
  };
}
