import type { EmulatorResponse } from './http.js';
import type { EmulatorState } from './state.js';

export interface RouteContext {
  state: EmulatorState;
  params: Record<string, string>;
  query: URLSearchParams;
  /** The parsed JSON body, or undefined when there was none. */
  body: unknown;
  reviewDelayMs: number;
}

export type RouteHandler = (ctx: RouteContext) => EmulatorResponse | Promise<EmulatorResponse>;

export interface RouteDefinition {
  method: string;
  path: string;
  handler: RouteHandler;
}

interface CompiledRoute extends RouteDefinition {
  regex: RegExp;
  names: string[];
}

export class Router {
  private routes: CompiledRoute[] = [];

  add(method: string, path: string, handler: RouteHandler): this {
    const names: string[] = [];
    const pattern = path.replace(/:([a-z_]+)/g, (_, name: string) => {
      names.push(name);
      return '([^/]+)';
    });
    this.routes.push({ method, path, handler, names, regex: new RegExp(`^${pattern}$`) });
    return this;
  }

  match(
    method: string,
    path: string,
  ): { handler: RouteHandler; params: Record<string, string>; pathKnown: boolean } | { pathKnown: boolean } {
    let pathKnown = false;
    for (const route of this.routes) {
      const m = route.regex.exec(path);
      if (!m) continue;
      pathKnown = true;
      if (route.method !== method) continue;
      const params = Object.fromEntries(route.names.map((n, i) => [n, decodeURIComponent(m[i + 1] ?? '')]));
      return { handler: route.handler, params, pathKnown };
    }
    return { pathKnown };
  }
}
