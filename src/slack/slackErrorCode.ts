import { z } from 'zod';

/** The one part of a failed Web API call's error that is read here: Slack's own answer, `{ ok: false, error }`. */
const platformErrorSchema = z.object({ data: z.object({ error: z.string() }) });

/**
 * Slack's error code of a failed Web API call (channel_not_found, token_revoked…), as @slack/web-api attaches Slack's
 * answer to the error it throws (`error.data`); undefined when Slack gave none (a network failure, a timeout).
 */
export function slackErrorCode(error: unknown): string | undefined {
  const parsed = platformErrorSchema.safeParse(error);
  return parsed.success ? parsed.data.data.error : undefined;
}
