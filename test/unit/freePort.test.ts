import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { freePort } from '../helpers/freePort.js';

// The suite's child processes listen on these ports a moment after the pick: a port an outgoing connection could take
// meanwhile failed a CI run with EADDRINUSE.
describe('freePort', () => {
  it('gives distinct ports below the kernel range outgoing connections take their local ports from', async () => {
    const [low] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number);
    const ports = [];
    for (let i = 0; i < 30; i++) ports.push(await freePort());
    expect(new Set(ports).size).toBe(30);
    for (const port of ports) expect(port).toBeLessThan(low ?? 0);
  });
});
