/**
 * A delivery report about a reply, held until Wavix confirms it: it would link a Wavix id the reply did not know, or
 * give the reply its first final status, neither of which a later report can undo (./conversationReplies.ts). Only
 * what the report said that the check needs; its status as Wavix wrote it.
 */
export interface HeldReplyReport {
  id: number;
  replyId: number;
  wavixMessageId: string;
  status: string;
  error: string | null;
  segments: number | null;
  receivedAt: number;
  /** The times Wavix was asked and did not settle it (did not answer, or not yet agreed). */
  tries: number;
}

export type HoldOutcome = 'held' | 'repeat' | 'too_many';

export interface ReplyReportChecksRepository {
  /**
   * Holds a report until Wavix is asked about it (due at once). `repeat`: the same report (reply, id, status) is held
   * or was decided already; `too_many`: the reply has MAX_HELD_PER_REPLY waiting: nothing is held (a flood of forged
   * reports costs neither the disk nor Wavix more).
   */
  hold(report: Omit<HeldReplyReport, 'id' | 'tries'>): HoldOutcome;
  /** Held reports whose check is due at `at`, oldest due first. */
  due(at: number, limit: number): HeldReplyReport[];
  /** Not settled this time: asked again at `dueAt`. */
  askAgainAt(id: number, dueAt: number): void;
  /** Settled: applied (Wavix agreed) or refused (Wavix contradicted it, or never agreed in time). */
  decide(id: number, outcome: 'applied' | 'refused'): void;
  /** Held reports still waiting for Wavix's word. */
  waiting(): number;
}

/** Reports one reply may have waiting at once; a genuine reply has a few at most (sent, then its outcome). */
export const MAX_HELD_PER_REPLY = 10;
