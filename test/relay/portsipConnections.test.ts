import { describe, expect, it } from 'vitest';
import { defaultMaxConnections } from '../../src/http/limitsConfig.js';
import { portsipConnections, portsipConnectionsAtStart } from '../../src/relay/portsipConnections.js';

const atDefaultCap = (limit: number) => portsipConnections(limit, defaultMaxConnections(limit));

describe('PortSIP connections from the descriptor limit', () => {
  it('fits the pool beside a listener at its default cap, and keeps 64 where the limit leaves room', () => {
    expect(atDefaultCap(256)).toBe(8);
    expect(atDefaultCap(384)).toBe(40);
    expect(atDefaultCap(476)).toBe(63);
    expect(atDefaultCap(477)).toBe(64);
    expect(atDefaultCap(1_048_576)).toBe(64);
    // Not on Linux: nothing to count against.
    expect(portsipConnections(undefined, 1024)).toBe(64);
    for (const limit of [256, 300, 384, 448, 1024]) {
      expect(defaultMaxConnections(limit) + atDefaultCap(limit)).toBeLessThanOrEqual(limit - 56);
    }
  });

  it('leaves the relay a few connections when HTTP_MAX_CONNECTIONS takes (nearly) every descriptor', () => {
    expect(portsipConnections(1024, 1000)).toBe(4);
    expect(portsipConnections(1024, 2000)).toBe(4);
  });

  it('says so at start only when it holds the relay below RELAY_CONCURRENCY', () => {
    const warnings: Array<{ message: string; fields: unknown }> = [];
    const logger = { warn: (message: string, fields?: unknown) => warnings.push({ message, fields }) };
    expect(portsipConnectionsAtStart({ fdLimit: 1024, maxConnections: 768, relayConcurrency: 64 }, logger)).toBe(64);
    expect(portsipConnectionsAtStart({ fdLimit: 256, maxConnections: 192, relayConcurrency: 8 }, logger)).toBe(8);
    expect(warnings).toEqual([]);
    expect(portsipConnectionsAtStart({ fdLimit: 256, maxConnections: 192, relayConcurrency: 64 }, logger)).toBe(8);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]?.message).toContain('ulimit -n');
    expect(warnings[0]?.fields).toMatchObject({ portsipConnections: 8, relayConcurrency: 64, openFileLimit: 256 });
  });
});
