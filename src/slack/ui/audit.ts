import type { AuditEntry } from '../../core/model/audit.js';
import { code, context, escapeMrkdwn, mention, type SlackMessage, section, slackTime } from './text.js';

const OUTCOME_ICON = { ok: ':white_check_mark:', refused: ':no_entry:', failed: ':x:', unknown: ':grey_question:' } as const;

/** A route change or replay that moved queued deliveries to another destination says how many. */
function movedNote(e: AuditEntry): string {
  const moved = e.params.movedDeliveries;
  return typeof moved === 'number' && moved > 0 ? ` (${moved} queued deliver${moved === 1 ? 'y' : 'ies'} moved)` : '';
}

export function auditMessage(entries: readonly AuditEntry[]): SlackMessage {
  if (entries.length === 0) return { text: 'No changes recorded yet.', blocks: [section('No changes recorded yet.')] };
  const lines = entries.map(
    (e) =>
      `${OUTCOME_ICON[e.outcome]} ${slackTime(e.at)} ${mention(e.actor)} ${code(e.action)}${e.target ? ` ${code(e.target)}` : ''}: ${e.outcome}${
        e.detail ? ` — ${escapeMrkdwn(e.detail)}` : ''
      }${movedNote(e)}`,
  );
  // Section text holds 3,000 characters: the lines are spread over as many sections as needed.
  const sections: string[] = [];
  for (const line of lines) {
    const last = sections.at(-1);
    if (last !== undefined && last.length + line.length + 1 <= 2900) sections[sections.length - 1] = `${last}\n${line}`;
    else sections.push(line);
  }
  return {
    text: `Last ${entries.length} changes`,
    blocks: [
      section(`*Last ${entries.length} change${entries.length === 1 ? '' : 's'}*`),
      ...sections.map((s) => section(s)),
      context('Newest first.'),
    ],
  };
}
