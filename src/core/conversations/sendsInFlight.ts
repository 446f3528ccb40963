/**
 * The replies this process is sending (their row `sending`), and which of them their writer deleted in Slack meanwhile.
 * A send is no single moment: its status line goes up first (up to 2 s on a slow Slack), and a 429 from Wavix waits
 * out its Retry-After before trying again. A deletion in those gaps means the reply not to go, and Wavix does not have
 * it yet: the send stops before its next call to Wavix. Kept in memory: a send lives no longer than this process.
 */
export interface SendsInFlight {
  begin(replyId: number): void;
  end(replyId: number): void;
  /** The deletion of a reply: true when its send is under way here (it stops before calling Wavix again, and says so). */
  deleted(replyId: number): boolean;
  isDeleted(replyId: number): boolean;
}

export function createSendsInFlight(): SendsInFlight {
  // One entry per send under way: a reply left `sending` by a crash is never begun here, so never held.
  const sends = new Map<number, { deleted: boolean }>();
  return {
    begin: (replyId) => void sends.set(replyId, { deleted: false }),
    end: (replyId) => void sends.delete(replyId),
    deleted: (replyId) => {
      const send = sends.get(replyId);
      if (send) send.deleted = true;
      return send !== undefined;
    },
    isDeleted: (replyId) => sends.get(replyId)?.deleted === true,
  };
}
