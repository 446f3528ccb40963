import Database from 'better-sqlite3';
import type { Db } from './database.js';
import type { MigrationFile } from './migrate.js';

type Shape = Map<string, Set<string>>;

/** Every table (but SQLite's own) with its columns. */
function shapeOf(db: Db): Shape {
  const tables = db
    .prepare<[], string>("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
    .pluck()
    .all();
  const columns = db.prepare<[string], string>('SELECT name FROM pragma_table_info(?)').pluck();
  return new Map(tables.map((table) => [table, new Set(columns.all(table))]));
}

/**
 * The tables and columns that `applied` (the migrations a database records) create, missing from that database: a
 * table dropped or rebuilt by hand, which smsops would only find while running ("no such table"). The expected
 * shape is made by applying the same migration files to an empty database in memory, so it follows the migrations
 * without a list to keep up to date. Extra tables and columns are not a problem; indexes and triggers are not compared.
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
  for (const [table, columns] of expected) {
    const has = found.get(table);
    if (!has) {
      missing.push(`table ${table}`);
      continue;
    }
    for (const column of columns) if (!has.has(column)) missing.push(`column ${table}.${column}`);
  }
  return missing;
}
