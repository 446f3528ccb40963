import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/log.js';
import { boltLineWithoutBodies, toBoltLogger } from '../../src/slack/boltLogger.js';

const SMS = 'meet Dr Quinlan at 7';

describe('Bolt log lines without bodies', () => {
  it.each([
    [`http request body: {"channel":"C1","text":"${SMS}"}`, /^http request body: \[\d+ bytes omitted\]$/],
    [
      `http request result: {"ok":true,"channel":"C1","ts":"1.2","message":{"text":"${SMS}"}}`,
      /^http request result: \{"ok":true,"channel":"C1","ts":"1.2"\} \[\d+ bytes omitted\]$/,
    ],
    [`Received a message on the WebSocket: {"payload":{"text":"${SMS}"}}`, /^Received a message on the WebSocket: \[\d+/],
    [`Sending a WebSocket message: {"envelope_id":"e","payload":{"text":"${SMS}"}}`, /^Sending a WebSocket message: \[\d+/],
    [`Calling ack() - type: slash_commands, envelope_id: e1, data: {"text":"${SMS}"}`, /envelope_id: e1, data: \[\d+/],
    [`{"type":"event_callback","event":{"text":"${SMS}"}}`, /^\[\d+ bytes omitted\]$/],
  ])('%s', (line, expected) => {
    const cleaned = boltLineWithoutBodies([line]);
    expect(cleaned).toMatch(expected);
    expect(cleaned).not.toContain('Quinlan');
  });

  it('keeps plain lines and error messages, and reduces objects to their size', () => {
    expect(boltLineWithoutBodies(["apiCall('chat.postMessage') start"])).toBe("apiCall('chat.postMessage') start");
    expect(boltLineWithoutBodies(['failed:', new Error('channel_not_found')])).toBe('failed: channel_not_found');
    expect(boltLineWithoutBodies([{ text: SMS }])).toMatch(/^\[\d+ bytes omitted\]$/);
  });

  it('does not read a debug line below debug level (the Web API client passes whole bodies), and cleans it at debug', () => {
    let read = 0;
    const body = {
      toJSON: () => {
        read += 1;
        return { text: SMS };
      },
    };
    const atInfo: string[] = [];
    toBoltLogger(createLogger({ level: 'info', sink: (line) => atInfo.push(line) })).debug(body);
    expect(read).toBe(0);
    expect(atInfo).toEqual([]);
    const atDebug: string[] = [];
    toBoltLogger(createLogger({ level: 'debug', sink: (line) => atDebug.push(line) })).debug(body);
    expect(read).toBe(1);
    expect(atDebug).toHaveLength(1);
    expect(atDebug[0]).toMatch(/bytes omitted/);
    expect(atDebug[0]).not.toContain('Quinlan');
  });
});
