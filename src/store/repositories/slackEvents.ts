import type { ProcessedSlackEventsRepository } from '../../core/ports/slackEvents.js';
import type { Db } from '../database.js';

export function createProcessedSlackEventsRepository(db: Db, now: () => number = Date.now): ProcessedSlackEventsRepository {
  const insert = db.prepare('INSERT INTO processed_slack_events (event_id, received_at) VALUES (?, ?) ON CONFLICT DO NOTHING');
  const select = db.prepare<[string], number>('SELECT 1 FROM processed_slack_events WHERE event_id = ?').pluck();
  return {
    claim: (eventId) => insert.run(eventId, now()).changes === 1,
    seen: (eventId) => select.get(eventId) !== undefined,
  };
}
