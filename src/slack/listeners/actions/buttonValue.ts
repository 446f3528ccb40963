import type { BlockAction } from '@slack/bolt';

/**
 * The value a button carries, when it is text: Slack only sends the strings smsops put there, so anything else (a
 * number, an object) is a damaged or forged payload, answered as a damaged button rather than crashing its listener.
 */
export const buttonValue = (action: BlockAction['actions'][number]): string | undefined =>
  action.type === 'button' && typeof action.value === 'string' ? action.value : undefined;
