import type { BlockAction } from '@slack/bolt';
import type { z } from 'zod';

/**
 * The value a button carries, when it is text: Slack only sends the strings smsops put there, so anything else (a
 * number, an object) is a damaged or forged payload, answered as a damaged button rather than crashing its listener.
 */
export const buttonValue = (action: BlockAction['actions'][number]): string | undefined =>
  action.type === 'button' && typeof action.value === 'string' ? action.value : undefined;

/** A confirmation button's JSON value, as `schema` reads it; undefined when damaged, forged or not JSON. */
export function buttonJson<T>(action: BlockAction['actions'][number], schema: z.ZodType<T>): T | undefined {
  try {
    const parsed = schema.safeParse(JSON.parse(buttonValue(action) ?? ''));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}
