/**
 * Keeps inbound webhooks from outrunning the PortSIP relay on the one event loop they share.
 *
 * smsops stores before it answers, and delivers from the store; both take the same CPU. Under a flood that the relay
 * cannot keep up with while PortSIP answers well, storing flat out would take the loop from the relay and the backlog
 * would grow without end (measured: 4,500 stored/s against 660 delivered/s). So once due deliveries wait longer than
 * `lagMs` for a slot while PortSIP answers, each new webhook waits for a credit, and each attempt that ends gives one:
 * Wavix is answered at the pace PortSIP is served and the backlog stays where it is. A webhook never waits longer than
 * `maxWaitMs` (Wavix's timeout is undocumented; peers' are 2–15 s): past that it is stored anyway.
 *
 * Never while PortSIP fails (then the store absorbs what comes: that is what it is for), nor when the relay keeps up.
 * A PortSIP slow to answer but answering is paced to (its answers give the credits); one that does not answer at all
 * ends pacing once a webhook waited the whole `maxWaitMs`.
 */
export interface IngestPacer {
  /** Resolves when the webhook may be stored; `undefined` when it may at once (the common case costs no promise). */
  admit(): Promise<void> | undefined;
  /**
   * How long the deliveries just claimed had been due (now − when each became due, the largest), and whether the claim
   * took all it asked for (more is due than the relay takes).
   */
  claimed(waitedMs: number, full: boolean): void;
  /** Attempts that ended: each gives a credit; failures switch pacing off (PortSIP is not answering well). */
  attemptsEnded(delivered: number, failed: number): void;
  /** Whether webhooks are paced now (for /metrics). */
  pacing(): boolean;
  /** Lets every waiting webhook through (at stop). */
  releaseAll(): void;
}

export interface IngestPacerOptions {
  /** Pacing starts once due deliveries waited this long for a slot; 0 never paces (the store absorbs every flood). */
  lagMs?: number;
  /** The longest a webhook is held. */
  maxWaitMs?: number;
  /** Credits kept at most while pacing: how far storing may run ahead of delivering in one burst. */
  burst?: number;
  /** Told of each webhook held: it got a credit, went after `maxWaitMs`, or was let go when pacing ended. */
  onHeld?: (outcome: 'credited' | 'timed_out' | 'released') => void;
  /** Pacing started (with how long due deliveries had waited) or ended (with why). */
  onPacingChanged?: (change: { pacing: true; waitedMs: number } | { pacing: false; why: string }) => void;
}

export function createIngestPacer(options: IngestPacerOptions = {}): IngestPacer {
  const lagMs = options.lagMs ?? 1_000;
  const maxWaitMs = options.maxWaitMs ?? 1_000;
  const burst = options.burst ?? 64;
  let on = false;
  let credits = burst;
  // Recent share of attempts delivered (exponentially weighted): pacing only while PortSIP answers nearly always.
  let deliveredShare = 1;
  const waiting: Array<(outcome: 'credited' | 'released') => void> = [];

  const stopPacing = (why: string) => {
    if (on) options.onPacingChanged?.({ pacing: false, why });
    on = false;
    credits = burst;
    for (const go of waiting.splice(0)) go('released');
  };
  const hold = () =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        const at = waiting.indexOf(go);
        if (at >= 0) waiting.splice(at, 1);
        options.onHeld?.('timed_out');
        resolve();
        // No attempt ended for that long (PortSIP hung?): holding more webhooks would only slow Wavix down.
        stopPacing(`no PortSIP attempt ended within ${maxWaitMs} ms`);
      }, maxWaitMs);
      function go(outcome: 'credited' | 'released') {
        clearTimeout(timer);
        options.onHeld?.(outcome);
        resolve();
      }
      waiting.push(go);
    });

  return {
    admit: () => {
      if (!on) return undefined;
      if (credits > 0 && waiting.length === 0) {
        credits -= 1;
        return undefined;
      }
      return hold();
    },
    claimed: (waitedMs, full) => {
      if (!on && lagMs > 0 && full && waitedMs > lagMs && deliveredShare > 0.9) {
        on = true;
        credits = burst;
        options.onPacingChanged?.({ pacing: true, waitedMs });
      } else if (on && !full) stopPacing('the relay caught up');
    },
    attemptsEnded: (delivered, failed) => {
      const n = delivered + failed;
      if (n === 0) return;
      deliveredShare = 0.8 * deliveredShare + 0.2 * (delivered / n);
      if (!on) return;
      if (deliveredShare < 0.9) {
        stopPacing('PortSIP attempts are failing');
        return;
      }
      credits = Math.min(burst, credits + n);
      while (credits > 0 && waiting.length > 0) {
        credits -= 1;
        waiting.shift()?.('credited');
      }
    },
    pacing: () => on,
    releaseAll: () => stopPacing('stopping'),
  };
}
