import { EventEmitter } from 'node:events';
import { webApi } from '@slack/bolt';
import { describe, expect, it } from 'vitest';
import type { Logger } from '../../src/log.js';
import { keepSocketConnected } from '../../src/slack/socketConnection.js';
import { sleep, waitUntil } from '../helpers/waitUntil.js';

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

/** Slack answering apps.connections.open with 429 and Retry-After (the client rejects it: rejectRateLimitedCalls). */
function rateLimitedClient(retryAfterSeconds: number) {
  const startedAt: number[] = [];
  const client = Object.assign(new EventEmitter(), {
    start: async () => {
      startedAt.push(Date.now());
      throw Object.assign(new Error('A rate limit was exceeded'), {
        code: webApi.ErrorCode.RateLimitedError,
        retryAfter: retryAfterSeconds,
      });
    },
    disconnect: async () => {},
  });
  return { client: client as never, startedAt };
}

const quietLogger: Logger = {
  debug: () => {},
  info: () => {},
  warn: () => {},
  error: () => {},
  enabled: () => true,
  child: () => quietLogger,
};

describe('the Socket Mode connection loop', () => {
  it("waits out Slack's Retry-After on a rate-limited apps.connections.open, instead of asking again 1, 2 and 4 s later", async () => {
    const { client, startedAt } = rateLimitedClient(30);
    const stopping = new AbortController();
    const connection = keepSocketConnected({ client, stopping, logger: quietLogger });
    connection.start();
    try {
      await waitUntil(() => startedAt.length >= 1, 5_000, 'the first attempt');
      await sleep(3_500);
      // The backoff alone asked again at 1 s and 3 s: three calls inside Slack's 30 s.
      expect(startedAt).toHaveLength(1);
      const state = connection.state();
      expect(state.connected === false && state.lastFailure).toBe('Slack asked to wait 30 s (rate limited)');
    } finally {
      await connection.stop();
    }
  });

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
