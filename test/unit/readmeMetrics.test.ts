import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..', '..');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

/** `metrics.counter('smsops_…'`, `metrics.gauge(\n 'smsops_…'`, prom-client's `name: 'smsops_…'`. */
const REGISTRATION = /(?:\b(?:counter|gauge|histogram)\(\s*|\bname:\s*)'(smsops_\w+)'/g;

describe("README's /metrics table", () => {
  it('lists every series src registers, and none it does not', () => {
    const registered = new Set<string>();
    for (const file of sourceFiles(join(root, 'src')))
      for (const match of readFileSync(file, 'utf8').matchAll(REGISTRATION)) registered.add(match[1] ?? '');
    expect(registered.size).toBeGreaterThan(30);
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    // The one place an on-call engineer looks for what a series means; other sections may name them too.
    const table = readme.slice(readme.indexOf('`GET /metrics` gives'), readme.indexOf('**Stopping.**'));
    const listed = new Set([...table.matchAll(/`(smsops_[a-z_]+[a-z])(?:\{[^}]*\})?`/g)].map((m) => m[1] ?? ''));
    expect([...registered].filter((name) => !listed.has(name))).toEqual([]);
    // Node's process series (collectDefaultMetrics) are listed by their prefix, with the two the README points to.
    const ours = [...listed].filter((name) => !name.startsWith('smsops_process_') && !name.startsWith('smsops_nodejs_'));
    expect(ours.filter((name) => !registered.has(name))).toEqual([]);
  });
});
