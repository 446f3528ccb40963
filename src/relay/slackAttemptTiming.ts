/** The relay's Slack attempts: the outbox's timeout for a send, and the Slack client's own for each call inside it. */

/** What the outbox allows one Slack call of a send (from the call, not the wait for its turn of the pace). */
export const slackAttemptTimeoutMs = (leaseMs: number) => Math.floor(leaseMs * 0.75);

/** Slack answers a post within a second or two; one not answered in this long is not coming. */
const SLACK_CALL_TIMEOUT_MS = 15_000;

/**
 * A call to Slack that gets no answer ends on its own, well within the attempt's timeout (which also covers the
 * thread lookup before the next post): then only its channel fails and is retried, and the other channels of the same
 * send are posted. Left to the attempt's timeout instead, the whole send failed and a channel already posted was
 * posted again at every retry.
 */
export const slackCallTimeoutMs = (leaseMs: number) =>
  Math.max(1, Math.min(SLACK_CALL_TIMEOUT_MS, Math.floor(slackAttemptTimeoutMs(leaseMs) / 2)));
