/** Faults a test injects: slow answers, 5xx, 429 with Retry-After, or a crafted body. Wavix API paths only. */
export interface FaultRule {
  method?: string;
  /** Prefix of the request path, e.g. `/v1/numbers`. */
  path?: string;
  status?: number;
  retryAfterSeconds?: number;
  latencyMs?: number;
  /** How many matching requests it affects; default 1. */
  times?: number;
  body?: unknown;
  /** With `status`: the request is acted on first (the message sent), then answered with the fault (Wavix failing after it did the work). */
  afterActing?: boolean;
}

interface ActiveFault extends FaultRule {
  remaining: number;
}

export class FaultInjector {
  private faults: ActiveFault[] = [];

  add(rule: FaultRule): void {
    this.faults.push({ ...rule, remaining: rule.times ?? 1 });
  }

  clear(): void {
    this.faults = [];
  }

  /** The first fault matching this request, consumed by one use. */
  take(method: string, path: string): FaultRule | undefined {
    const fault = this.faults.find(
      (f) => f.remaining > 0 && (!f.method || f.method.toUpperCase() === method) && (!f.path || path.startsWith(f.path)),
    );
    if (!fault) return undefined;
    fault.remaining -= 1;
    this.faults = this.faults.filter((f) => f.remaining > 0);
    return fault;
  }
}
