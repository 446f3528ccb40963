import http from 'node:http';
import type { InboundMessage } from '../src/core/model/inboundMessage.js';
import { createPortsipSender } from '../src/relay/portsip.js';
import {
  fmt,
  inboundBodies,
  installCleanup,
  machineLine,
  makeTempDir,
  numberOption,
  out,
  removeTempDir,
  startPortsipSink,
  table,
} from './load.js';

/**
 * What one post to PortSIP costs the relay's process in CPU: smsops' PortSIP sender (src/relay/portsip.ts) against a
 * baseline of node:http with a keep-alive Agent (what the sender used before, and what the non-durable forwarder of
 * bench:production uses), in one run, alternated, to the same sink in its own process:
 *
 *   npm run bench:portsip-client [-- --posts 40000 --concurrency 8 --rounds 3]
 *
 * `--concurrency` posts are in flight at a time (the relay's own 8 before a backlog opens more, up to RELAY_CONCURRENCY, 64 by default). CPU is this process' user + system
 * time per post (process.cpuUsage), which moves less on a shared machine than a rate does. Exits 0 whatever the figures.
 */

const posts = numberOption('posts', 40_000);
const concurrency = numberOption('concurrency', 8);
const rounds = numberOption('rounds', 3);
const PATH = '/emc/Wavix%20-%20US/a558d635-66e0-4c64-9d3b-2f5c1e7a8b90';

type Post = (body: Buffer) => Promise<unknown>;

async function perPost(post: Post, bodies: Buffer[], count: number): Promise<{ cpuMicros: number; rate: number }> {
  let next = 0;
  const run = (n: number) =>
    Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next < n) await post(bodies[next++ % bodies.length] as Buffer);
      }),
    );
  await run(Math.min(3_000, count));
  next = 0;
  const cpu = process.cpuUsage();
  const started = performance.now();
  await run(count);
  const used = process.cpuUsage(cpu);
  return { cpuMicros: (used.user + used.system) / count, rate: count / ((performance.now() - started) / 1000) };
}

async function main(): Promise<void> {
  installCleanup();
  out('one post to PortSIP: CPU of the posting process, smsops sender vs node:http');
  out(machineLine());
  const dir = makeTempDir('smsops-bench-portsip-client-');
  const { child: sink, url: sinkUrl } = await startPortsipSink(dir);
  try {
    const generator = inboundBodies({ prefix: 'client', conversations: 5_000 });
    const bodies = Array.from({ length: 1_000 }, () => Buffer.from(generator.next().body));
    const target = new URL(`${sinkUrl}${PATH}`);
    const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
    const baseline: Post = (body) =>
      new Promise((resolve) => {
        const request = http.request(
          {
            hostname: target.hostname,
            port: target.port,
            path: PATH,
            method: 'POST',
            agent,
            headers: { 'content-type': 'application/json', 'content-length': body.length, 'user-agent': 'smsops-relay' },
          },
          (response) => {
            response.on('data', () => {});
            response.on('end', () => resolve(response.statusCode));
          },
        );
        request.on('error', resolve);
        request.end(body);
      });
    const sender = createPortsipSender({ deadlineMs: 15_000 });
    const smsops: Post = (body) =>
      sender.send([
        {
          delivery: { destination: `${sinkUrl}${PATH}` },
          message: { rawBody: body, contentType: 'application/json' } as InboundMessage,
        },
      ]);
    const rows: string[][] = [];
    const ratios: number[] = [];
    for (let round = 1; round <= rounds; round += 1) {
      const base = await perPost(baseline, bodies, posts);
      const ours = await perPost(smsops, bodies, posts);
      ratios.push(ours.cpuMicros / base.cpuMicros);
      rows.push([
        String(round),
        fmt(ours.cpuMicros, 1),
        fmt(base.cpuMicros, 1),
        fmt(ours.cpuMicros / base.cpuMicros, 2),
        fmt(ours.rate, 0),
        fmt(base.rate, 0),
      ]);
    }
    sender.close();
    agent.destroy();
    out('');
    out(
      table(
        ['round', 'smsops sender CPU µs/post', 'node:http CPU µs/post', 'ratio', 'smsops posts/s', 'node:http posts/s'],
        rows,
      ),
    );
    ratios.sort((a, b) => a - b);
    out(
      `median ratio ${fmt(ratios[Math.floor(ratios.length / 2)] ?? Number.NaN, 2)} (${posts} posts a round, ${concurrency} at a time)`,
    );
  } finally {
    await sink.stop();
    removeTempDir(dir);
  }
}

await main();
