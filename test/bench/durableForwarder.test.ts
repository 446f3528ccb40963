import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { waitUntil } from '../helpers/waitUntil.js';
import { startWebhookSink, type WebhookSink } from '../helpers/webhookSink.js';

// The durable floor is a baseline of `npm run bench:production`: what it claims to do (store, then answer, then
// forward and record the delivery) is what makes its figure the floor of a durable relay rather than another no-op.
describe('the durable floor baseline', () => {
  let child: ChildProcess | undefined;
  let sink: WebhookSink | undefined;
  let dir = '';

  afterEach(async () => {
    child?.kill('SIGTERM');
    await sink?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('answers 200 once the body is stored, even while the target refuses it, and forwards it unchanged once it takes it', async () => {
    dir = mkdtempSync(join(tmpdir(), 'smsops-floor-'));
    sink = await startWebhookSink();
    // A forwarder would answer 502 here; the floor answers from what it stored and keeps trying.
    sink.respondWith(503);
    const dbPath = join(dir, 'floor.db');
    child = spawn(
      process.execPath,
      ['--import', 'tsx', 'bench/durableForwarder.ts', '--target', `${sink.url}/emc/in`, '--db', dbPath],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
    const url = await new Promise<string>((resolve, reject) => {
      lines.on('line', (line) => {
        const match = /"msg":"durable floor listening","url":"([^"]+)"/.exec(line);
        if (match?.[1]) resolve(match[1]);
      });
      child?.once('exit', (code) => reject(new Error(`the durable floor exited (${code}) before listening`)));
    });

    const body = '{"message_id":"floor-1","text":"héllo"}';
    const answer = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    expect(answer.status).toBe(200);
    const read = new Database(dbPath, { readonly: true });
    try {
      const stored = read.prepare('SELECT body, delivered FROM messages').all() as Array<{ body: Buffer; delivered: number }>;
      expect(stored.map((row) => [row.body.toString('utf8'), row.delivered])).toEqual([[body, 0]]);

      await waitUntil(() => (sink?.received.length ?? 0) >= 1, 5_000, 'a first attempt at the target');
      sink.respondWith(200);
      await waitUntil(
        () => (read.prepare('SELECT delivered FROM messages').pluck().get() as number) === 1,
        5_000,
        'the delivery to be recorded',
      );
      expect(new Set(sink.received.map((request) => `${request.path} ${request.body.toString('utf8')}`))).toEqual(
        new Set([`/emc/in ${body}`]),
      );
    } finally {
      read.close();
    }
  });
});
