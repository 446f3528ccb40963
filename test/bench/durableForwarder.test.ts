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

  /** Starts bench/durableForwarder.ts (`--target`, `--db`, then `extra`) and gives its URL once it listens. */
  const startFloor = ([target, dbPath]: [string, string], extra: string[] = []) => {
    child = spawn(
      process.execPath,
      ['--import', 'tsx', 'bench/durableForwarder.ts', '--target', target, '--db', dbPath, ...extra],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
    return new Promise<string>((resolve, reject) => {
      lines.on('line', (line) => {
        const match = /"msg":"durable floor listening","url":"([^"]+)"/.exec(line);
        if (match?.[1]) resolve(match[1]);
      });
      child?.once('exit', (code) => reject(new Error(`the durable floor exited (${code}) before listening`)));
    });
  };

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
    const url = await startFloor([`${sink.url}/emc/in`, dbPath]);

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

  it("with smsops' schema on a store thread: stores the message and its two deliveries before answering, forwards it, and records the PortSIP delivery", async () => {
    dir = mkdtempSync(join(tmpdir(), 'smsops-floor-'));
    sink = await startWebhookSink();
    const dbPath = join(dir, 'floor.db');
    const url = await startFloor([`${sink.url}/emc/in`, dbPath], ['--schema', 'smsops', '--store-thread', 'worker']);
    const body = '{"message_id":"floor-2","from":"14155550111","to":"14155550100","message_body":{"text":"hi"}}';
    const answer = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    expect(answer.status).toBe(200);
    const read = new Database(dbPath, { readonly: true });
    try {
      // Answered, so committed: smsops' own rows, the message exactly as it came.
      const message = read.prepare('SELECT id, wavix_message_id, raw_body FROM inbound_messages').all() as Array<{
        id: number;
        wavix_message_id: string;
        raw_body: Buffer;
      }>;
      expect(message.map((row) => [row.wavix_message_id, row.raw_body.toString('utf8')])).toEqual([['floor-2', body]]);
      await waitUntil(() => (sink?.received.length ?? 0) >= 1, 5_000, 'the post to the target');
      expect(sink.received[0]?.body.toString('utf8')).toBe(body);
      const deliveries = () =>
        read.prepare('SELECT destination_kind AS kind, status FROM deliveries ORDER BY destination_kind').all();
      await waitUntil(() => JSON.stringify(deliveries()).includes('"delivered"'), 5_000, 'the PortSIP delivery to be recorded');
      expect(deliveries()).toEqual([
        { kind: 'portsip', status: 'delivered' },
        { kind: 'slack', status: 'pending' },
      ]);
    } finally {
      read.close();
    }
  });
});
