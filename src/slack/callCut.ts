import type { webApi } from '@slack/bolt';

/** The reason given to a Slack call cut because smsops is stopping: the relay tells it from a timeout by its name. */
export class SlackCallCut extends Error {
  constructor() {
    super('smsops is stopping: the call to Slack was cut before its answer');
    this.name = 'SlackCallCut';
  }
}

/**
 * A Web API client's fetch whose calls are also cut when `stopping` aborts. The client takes no signal per call (only
 * its own timeout): without this, a call Slack never answered held smsops' stop and was recorded after the database
 * had closed. A cut call may have reached Slack all the same: its SMS is posted again after the restart.
 */
export function cutOnStop(stopping: AbortSignal, fetchFn: webApi.FetchFunction = fetch as unknown as webApi.FetchFunction) {
  const cut: webApi.FetchFunction = (url, init) =>
    fetchFn(url, { ...init, signal: init?.signal ? AbortSignal.any([init.signal, stopping]) : stopping });
  return cut;
}
