import type { App } from '@slack/bolt';
import { describe, expect, it } from 'vitest';
import type { SlackDeps } from '../../src/slack/listeners/context.js';
import { registerListeners } from '../../src/slack/listeners/index.js';
import { LISTENED_ACTIONS, LISTENED_SUGGESTION, LISTENED_VIEWS } from '../../src/slack/listeners/unusedInteractions.js';

/** What listeners/index.ts registers, read from a recording stand-in for Bolt's App. */
function registered() {
  const seen = { actions: [] as unknown[], options: [] as unknown[], views: [] as unknown[] };
  const app = {
    use: () => {},
    command: () => {},
    event: () => {},
    action: (id: unknown) => seen.actions.push(id),
    options: (constraints: unknown) => seen.options.push(constraints),
    view: (id: unknown) => seen.views.push(id),
  };
  registerListeners(app as unknown as App, {} as SlackDeps, { optionsAnswerWithinMs: 2000 });
  return seen;
}

describe('the ids the unused-interaction guard lets through to Bolt', () => {
  // One left out is acknowledged and never reaches its listener; one too many waits out Bolt's 3 s for a 404.
  it('are exactly the ids a listener is registered for', () => {
    const { actions, options, views } = registered();
    expect([...LISTENED_ACTIONS].sort()).toEqual([...(actions as string[])].sort());
    expect(options).toEqual([
      { type: 'block_suggestion', block_id: LISTENED_SUGGESTION.blockId, action_id: LISTENED_SUGGESTION.actionId },
    ]);
    expect([...LISTENED_VIEWS].sort()).toEqual([...(views as string[])].sort());
  });
});
