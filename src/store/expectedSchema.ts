import Database from 'better-sqlite3';
import type { Db } from './database.js';
import type { MigrationFile } from './migrate.js';

interface Shape {
  columns: Map<string, Set<string>>;
  /** Indexes and triggers by name, with their kind: a unique index gone lets duplicates in, a trigger gone stops a count. */
  others: Map<string, 'index' | 'trigger'>;
}

/** Every table (but SQLite's own) with its columns; every named index and trigger (SQLite's automatic ones left out). */
function shapeOf(db: Db): Shape {
  const rows = db
    .prepare<[], { type: string; name: string }>(
      "SELECT type, name FROM sqlite_master WHERE type IN ('table', 'index', 'trigger') AND name NOT LIKE 'sqlite_%' ORDER BY name",
    )
    .all();
  const columns = db.prepare<[string], string>('SELECT name FROM pragma_table_info(?)').pluck();
  const shape: Shape = { columns: new Map(), others: new Map() };
  for (const { type, name } of rows) {
    if (type === 'table') shape.columns.set(name, new Set(columns.all(name)));
    else shape.others.set(name, type as 'index' | 'trigger');
  }
  return shape;
}

/**
 * The tables, columns, indexes and triggers that `applied` (the migrations a database records) create, missing from
 * that database: a table dropped or rebuilt by hand, which smsops would only find while running ("no such table"), or
 * an index or trigger lost on the way, which it would never find (duplicates let in, counts no longer kept). The
 * expected shape is made by applying the same migration files to an empty database in memory, so it follows the
 * migrations without a list to keep up to date. Extra ones are not a problem; only names are compared, not bodies.
 */
export function missingSchema(db: Db, applied: MigrationFile[]): string[] {
  const reference = new Database(':memory:');
  let expected: Shape;
  try {
    for (const file of applied) reference.exec(file.sql);
    expected = shapeOf(reference);
  } finally {
    reference.close();
  }
  const found = shapeOf(db);
  const missing: string[] = [];
  for (const [table, columns] of expected.columns) {
    const has = found.columns.get(table);
    if (!has) {
      missing.push(`table ${table}`);
      continue;
    }
    for (const column of columns) if (!has.has(column)) missing.push(`column ${table}.${column}`);
  }
  for (const [name, kind] of expected.others) if (found.others.get(name) !== kind) missing.push(`${kind} ${name}`);
  return missing;
}
