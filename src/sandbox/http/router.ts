/**
 * Method and path to a handler, with `:name` path parameters (one segment each, percent-decoded) and a trailing `*`
 * (the rest of the path, kept as sent, as param `*`). Method `*` takes any method. The answer tells a path no route
 * knows (404) from a known path asked with another method (405). Routes are tried in the order added.
 */
export type RouteMatch<H> = { handler: H; params: Record<string, string> } | { handler?: undefined; pathKnown: boolean };

interface CompiledRoute<H> {
  method: string;
  regex: RegExp;
  names: string[];
  handler: H;
}

function decodeSegment(segment: string): string | undefined {
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
}

export class Router<H> {
  private readonly routes: CompiledRoute<H>[] = [];

  add(method: string, path: string, handler: H): this {
    const names: string[] = [];
    const pattern = path
      .split(/(:[A-Za-z_]+|\*$)/)
      .map((part) => {
        if (part === '*') {
          names.push('*');
          return '(.*)';
        }
        if (!part.startsWith(':')) return part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
        names.push(part.slice(1));
        return '([^/]+)';
      })
      .join('');
    this.routes.push({ method, regex: new RegExp(`^${pattern}$`), names, handler });
    return this;
  }

  match(method: string, path: string): RouteMatch<H> {
    let pathKnown = false;
    for (const route of this.routes) {
      const found = route.regex.exec(path);
      if (!found) continue;
      const values = found.slice(1).map((value, i) => (route.names[i] === '*' ? value : decodeSegment(value)));
      // A malformed percent-escape names no resource: treated as a path nobody serves.
      if (values.some((value) => value === undefined)) continue;
      pathKnown = true;
      if (route.method !== '*' && route.method !== method) continue;
      return { handler: route.handler, params: Object.fromEntries(route.names.map((name, i) => [name, values[i] ?? ''])) };
    }
    return { pathKnown };
  }
}
