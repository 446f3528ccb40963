import type { Logger } from '../log.js';

/** How far back /healthz looks: long enough that a person retrying a command a few times shows, short enough to clear. */
export const SIGNATURE_WATCH_WINDOW_MS = 10 * 60_000;
/** The log line is written at most this often while every signed request fails. */
const LOG_EVERY_MS = 5 * 60_000;
const BUCKET_MS = 60_000;

export interface SignatureWatch {
  /** A request with well-formed, fresh signature headers whose signature did not match SLACK_SIGNING_SECRET. */
  failed(): void;
  /** A fresh request whose signature matched. */
  passed(): void;
  /** Words for /healthz while every signed request of the window failed and none passed; undefined otherwise. */
  words(): string | undefined;
}

/**
 * A mistyped SLACK_SIGNING_SECRET (the client secret, a token, a stray character) refuses every request from Slack
 * with 401: the team sees only "dispatch_failed", and nothing else in smsops looked wrong. This watch says it, as
 * information only: anyone can send requests with a made-up signature, as many as they like, so they decide only
 * whether a "failed" count grows, never health (a 503 would let them flip a monitor and have a load balancer or
 * orchestrator take smsops out). A single request that passes in the window clears it, and only Slack (holding
 * the right secret) can send one, so while Slack's own requests pass nobody else can make this say anything
 * but for a window without any of Slack's. Socket Mode signs nothing: no watch there.
 */
export function createSignatureWatch(options: { logger: Logger; now?: () => number; windowMs?: number }): SignatureWatch {
  const now = options.now ?? Date.now;
  const windowMs = options.windowMs ?? SIGNATURE_WATCH_WINDOW_MS;
  /** Failures per minute (start of the minute → count): at most window/1 min + 1 entries. */
  const failures = new Map<number, number>();
  let lastPassAt = Number.NEGATIVE_INFINITY;
  let loggedAt = Number.NEGATIVE_INFINITY;

  const prune = (at: number) => {
    for (const minute of failures.keys()) if (minute + BUCKET_MS <= at - windowMs) failures.delete(minute);
  };
  const failedInWindow = (at: number): number => {
    prune(at);
    if (at - lastPassAt < windowMs) return 0;
    let count = 0;
    for (const n of failures.values()) count += n;
    return count;
  };
  const wordsAt = (at: number): string | undefined => {
    const count = failedInWindow(at);
    if (count === 0) return undefined;
    const minutes = Math.round(windowMs / 60_000);
    return `every signed request in the last ${minutes} minutes failed its signature check (${count}); none passed: check SLACK_SIGNING_SECRET (Basic Information → App Credentials → Signing Secret, not the client secret or a token), then restart smsops. Anyone can send such requests, so this is said, never a reason for 503`;
  };

  return {
    failed() {
      const at = now();
      const minute = at - (at % BUCKET_MS);
      failures.set(minute, (failures.get(minute) ?? 0) + 1);
      const words = wordsAt(at);
      if (words === undefined || at - loggedAt < LOG_EVERY_MS) return;
      loggedAt = at;
      options.logger.warn(`Slack requests: ${words}`);
    },
    passed() {
      lastPassAt = now();
      failures.clear();
      loggedAt = Number.NEGATIVE_INFINITY;
    },
    words: () => wordsAt(now()),
  };
}
