import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/log.js';
import { createSignatureWatch } from '../../src/slack/signatureWatch.js';

/** The watch's timing, on a clock the test moves: what /healthz and the log would say at each moment. */
describe('every signed Slack request failing its signature check', () => {
  const rig = () => {
    let at = Date.parse('2026-11-28T10:00:00Z');
    const lines: string[] = [];
    const watch = createSignatureWatch({ logger: createLogger({ level: 'info', sink: (l) => lines.push(l) }), now: () => at });
    return { watch, lines, advance: (ms: number) => (at += ms) };
  };

  it('is logged at most once every 5 minutes while it lasts, with the count of the last 10 minutes', () => {
    const { watch, lines, advance } = rig();
    for (let i = 0; i < 20; i++) {
      watch.failed();
      advance(30_000);
    }
    // 10 minutes of one failure every 30 s: lines at 0, 5 min.
    expect(lines).toHaveLength(2);
    expect(watch.words()).toMatch(/failed its signature check \((19|20|21)\)/);
    advance(11 * 60_000);
    expect(watch.words()).toBeUndefined();
  });

  it('says nothing for 10 minutes after one request passed, whatever fails meanwhile', () => {
    const { watch, lines, advance } = rig();
    watch.failed();
    expect(lines).toHaveLength(1);
    watch.passed();
    expect(watch.words()).toBeUndefined();
    advance(60_000);
    for (let i = 0; i < 100; i++) watch.failed();
    expect(watch.words()).toBeUndefined();
    expect(lines).toHaveLength(1);
    advance(10 * 60_000);
    watch.failed();
    expect(watch.words()).toContain('check SLACK_SIGNING_SECRET');
    expect(lines).toHaveLength(2);
  });
});
