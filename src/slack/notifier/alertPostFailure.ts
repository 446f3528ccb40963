import { webApi } from '@slack/bolt';
import type { AlertNotShown } from '../../core/ports/notifier.js';

const TOKEN_REFUSED = new Set(['invalid_auth', 'not_authed', 'token_revoked', 'token_expired', 'account_inactive']);

/**
 * Why Slack did not take an alert's post or edit, by the kind of failure and never by Slack's own text (which may quote
 * the request): a label from a fixed list, so the metric's series stay few, and words for /sms jobs and /healthz.
 */
export function alertPostFailure(error: unknown): AlertNotShown {
  if (error instanceof Error && error.name === 'SlackCallCut')
    return { reason: 'cut_at_stop', words: 'smsops was stopping (posted at its next raise after the restart)' };
  const { code, data } = (error ?? {}) as { code?: unknown; data?: { error?: unknown } };
  const slackCode = typeof data?.error === 'string' ? data.error : '';
  if (code === webApi.ErrorCode.RateLimitedError || slackCode === 'ratelimited')
    return { reason: 'rate_limited', words: 'Slack went on rate-limiting the posts in the alert channel' };
  if (slackCode === 'not_in_channel')
    return { reason: 'not_in_channel', words: 'the bot is not in the alert channel (`/invite @smsops` there)' };
  if (slackCode === 'channel_not_found' || slackCode === 'is_archived')
    return {
      reason: 'channel_not_found',
      words: 'the alert channel (SLACK_ALERT_CHANNEL) does not exist, is archived, or the bot cannot see it',
    };
  if (TOKEN_REFUSED.has(slackCode)) return { reason: 'token_refused', words: 'Slack refuses the bot token (SLACK_BOT_TOKEN)' };
  // A scope taken away (an admin edited the app, a manifest change not reinstalled): "Slack refused the message" left
  // the operator guessing. Slack names the scope it needed; only a scope's shape is quoted.
  if (slackCode === 'missing_scope') {
    const needed = typeof (data as { needed?: unknown }).needed === 'string' ? (data as { needed: string }).needed : '';
    const scope = /^[a-z.:_,-]{1,100}$/.test(needed) ? ` ${needed}` : ' it needs';
    return {
      reason: 'refused',
      words: `the bot token lacks the scope${scope} (missing_scope): add it to the app (manifest.yml) and reinstall it`,
    };
  }
  if (slackCode === 'restricted_action')
    return {
      reason: 'refused',
      words:
        'a workspace setting forbids the bot to post in the alert channel (restricted_action: who may post there, or the plan)',
    };
  if (code === webApi.ErrorCode.PlatformError) return { reason: 'refused', words: 'Slack refused the message' };
  if (code === webApi.ErrorCode.RequestError || code === webApi.ErrorCode.HTTPError)
    return { reason: 'no_answer', words: 'Slack could not be reached or failed to answer' };
  return { reason: 'other', words: 'the call to Slack failed (see the log)' };
}
