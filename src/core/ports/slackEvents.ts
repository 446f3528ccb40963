/**
 * Slack events already handled. Slack sends an event again when it thinks the first delivery was not acknowledged
 * in time (same `event_id`, with `X-Slack-Retry-Num`); a reply must go out once.
 */
export interface ProcessedSlackEventsRepository {
  /** True the first time an event id is claimed, false for every later delivery of the same event. */
  claim(eventId: string): boolean;
  /** Whether an event id was already claimed. */
  seen(eventId: string): boolean;
}
