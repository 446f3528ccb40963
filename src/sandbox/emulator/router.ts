import { Router as HttpRouter } from '../http/router.js';
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

/** The emulator's routes: the stand-ins' router, holding handlers that take the emulator's context. */
export class Router extends HttpRouter<RouteHandler> {}
