import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import type { Logger } from '../../src/log.js';
import { keepSocketConnected } from '../../src/slack/socketConnection.js';
import { waitUntil } from '../helpers/waitUntil.js';

/**
 * The Socket Mode client stands in for @slack/socket-mode here (its real connection is tested against the fake socket
 * in test/integration): what is under test is smsops' own loop around it.
 */
function unreachableClient() {
  let starts = 0;
  const client = Object.assign(new EventEmitter(), {
    start: async () => {
      starts += 1;
      throw new Error('fetch failed');
    },
    disconnect: async () => {},
  });
  return { client: client as never, starts: () => starts };
}

describe('the Socket Mode connection loop', () => {
  it('starts again after ending on an error of its own (a logger that throws), instead of never connecting again', async () => {
    const { client, starts } = unreachableClient();
    let warned = 0;
    const errors: string[] = [];
    const logger: Logger = {
      debug: () => {},
      info: () => {},
      warn: () => {
        warned += 1;
        if (warned === 1) throw new Error('the log destination failed');
      },
      error: (msg) => errors.push(msg),
      enabled: () => true,
      child: () => logger,
    };
    const stopping = new AbortController();
    const connection = keepSocketConnected({ client, stopping, logger, loopRestartMs: 20 });
    connection.start();
    try {
      await waitUntil(() => starts() >= 2, 5_000, 'a second connection attempt');
      expect(errors).toContainEqual(expect.stringContaining('starting again in a minute'));
    } finally {
      await connection.stop();
    }
  });
});
