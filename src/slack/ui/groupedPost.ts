/**
 * A grouped post (many SMS coalesced under a storm) is no conversation's thread: a reply under it has no customer to
 * go to. Its words say so where people look, on the post itself and to whoever replies under it anyway, with where to
 * answer instead. smsops has no command to text a customer outside a thread, so the conversation's own thread is the
 * way: the day's thread when an earlier SMS started one, else the one its next SMS starts.
 */
const WHERE_TO_ANSWER =
  "reply in the customer's own conversation thread: today's, when an earlier SMS started one, or the one their next SMS starts";

/** Under the title of a grouped post. */
export const GROUPED_POST_HINT = `:speech_balloon: A reply in this post's thread is not sent as an SMS: the post groups SMS that arrived at once and is no conversation's thread. To answer, ${WHERE_TO_ANSWER}.`;

/** Told only to the person who replied under a grouped post. */
export const GROUPED_POST_REPLY_REFUSAL = `Not sent: this post groups SMS that arrived at once, so its thread is no conversation's and a reply here reaches no one. To answer, ${WHERE_TO_ANSWER}.`;
