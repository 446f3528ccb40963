import type { ReplyStatus } from '../ports/conversationReplies.js';

/**
 * What the writer of an edited reply is told: the edit is never sent, and what the customer has (or not) is what its
 * status line says. "The customer has your reply as first sent" told of a reply refused before Wavix (a STOP) let its
 * writer believe the first version went out (a probe).
 */
export function editNotSentText(status: ReplyStatus): string {
  const again = 'To correct it, post a new reply in this thread.';
  switch (status) {
    case 'queued':
    case 'sending':
      return `Your edit was not sent: your reply goes out as first written. ${again}`;
    case 'blocked':
    case 'failed':
      return 'Your edit was not sent, and neither was your reply (its status line in this thread says why). Post a new reply in this thread if it can go out now.';
    case 'undelivered':
    case 'expired':
    case 'rejected':
    case 'dlr_expired':
      return 'Your edit was not sent, and the customer did not get your reply as first written (its status line in this thread says why).';
    case 'unknown':
      return `Your edit was not sent: your reply may have gone out as first written (its status line in this thread says so). ${again}`;
    default:
      return `Your edit was not sent: the customer has your reply as it was first sent. ${again}`;
  }
}
