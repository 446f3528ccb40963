import type { KeyedSerial } from '../core/keyedSerial.js';

/**
 * A conversation's thread of a day is started by the relay (the day's first SMS post) or by "Answer" on a grouped
 * post, each taking this key's turn of one shared KeyedSerial: the second looks again in its turn and uses the thread
 * the first filed, so neither posts beside it.
 */
export const threadStartKey = (channel: string, conversationKey: string, day: string): string =>
  `${channel}\n${conversationKey}\n${day}`;

/** The type both sides take. */
export type ThreadStartTurns = KeyedSerial;
