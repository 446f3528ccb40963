/**
 * Variables that look like smsops' own but are not (`SLACK_BOT_TOKN`): the real one then silently keeps its default
 * or is missing, so the likely intended name is said at start. Only names with one of our prefixes are compared, so
 * the rest of the environment (PATH, HOME, a CI's variables) is never commented on.
 */

/** Edit distance (insertions, deletions, substitutions), cut off early above `limit`. */
export function editDistance(a: string, b: string, limit = Number.POSITIVE_INFINITY): number {
  if (Math.abs(a.length - b.length) > limit) return limit + 1;
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1);
      current[j] = Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, substitution);
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}

const MAX_DISTANCE = 2;

const prefixOf = (name: string): string | undefined => {
  const cut = name.indexOf('_');
  return cut > 0 ? name.slice(0, cut + 1) : undefined;
};

/** One warning per set variable that is not ours but is within two edits of one of ours with the same prefix. */
export function misspeltVariableWarnings(env: Record<string, string | undefined>, known: readonly string[]): string[] {
  const knownSet = new Set(known);
  const prefixes = new Set(known.map(prefixOf).filter((prefix): prefix is string => prefix !== undefined));
  const warnings: string[] = [];
  for (const name of Object.keys(env).sort()) {
    if (env[name] === undefined || knownSet.has(name)) continue;
    const prefix = prefixOf(name);
    if (prefix === undefined || !prefixes.has(prefix)) continue;
    let best: { name: string; distance: number } | undefined;
    for (const candidate of known) {
      const distance = editDistance(name, candidate, MAX_DISTANCE);
      if (distance <= MAX_DISTANCE && (best === undefined || distance < best.distance)) best = { name: candidate, distance };
    }
    if (best) warnings.push(`${name} is not a smsops setting; did you mean ${best.name}?`);
  }
  return warnings;
}
