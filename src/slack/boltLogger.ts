import { type Logger as BoltLogger, LogLevel } from '@slack/bolt';
import type { Logger } from '../log.js';

/**
 * What Bolt, its Web API client and the Socket Mode client write with a body in it, at debug level: the request body
 * of every Web API call (`chat.postMessage` of a relayed SMS carries its text), the result (Slack echoes the message),
 * each Socket Mode envelope (a command's text, a modal's values) and its ack. The body is replaced by its size, and
 * for a Web API result by the few fields that identify it; SMS text and people's input are personal data, never logged.
 */
const BODY_CARRIERS: RegExp[] = [
  /^(http request body: )([\s\S]*)$/,
  /^(Received a message on the WebSocket: )([\s\S]*)$/,
  /^(Sending a WebSocket message: )([\s\S]*)$/,
  /^(Calling ack\(\) - [\s\S]*?data: )([\s\S]*)$/,
  /^(Unable to parse an incoming WebSocket message \(will ignore\): [^,]*, )([\s\S]*)$/,
];
const RESULT = /^(http request result: )([\s\S]*)$/;

const size = (text: string) => `[${Buffer.byteLength(text)} bytes omitted]`;

/** A Web API result reduced to what identifies it: ok/error, the channel and the message ts. */
function resultIds(json: string): string {
  try {
    const result = JSON.parse(json) as Record<string, unknown>;
    const ids = Object.fromEntries(
      ['ok', 'error', 'channel', 'ts'].filter((key) => key in result).map((key) => [key, result[key]]),
    );
    return `${JSON.stringify(ids)} ${size(json)}`;
  } catch {
    return size(json);
  }
}

/** One Bolt log line without the bodies it may carry. Exported for tests. */
export function boltLineWithoutBodies(parts: unknown[]): string {
  const text = parts
    .map((p) => {
      if (typeof p === 'string') return p;
      if (p instanceof Error) return p.message;
      // An object handed to the logger is a payload (Bolt's developer mode logs whole request bodies): its size only.
      return size(JSON.stringify(p) ?? String(p));
    })
    .join(' ');
  const result = RESULT.exec(text);
  if (result) return `${result[1]}${resultIds(result[2] ?? '')}`;
  for (const carrier of BODY_CARRIERS) {
    const match = carrier.exec(text);
    if (match) return `${match[1]}${size(match[2] ?? '')}`;
  }
  // Bolt's developer mode logs a request body as JSON text of its own.
  if (/^\s*[{[]/.test(text)) return size(text);
  return text;
}

/** Bolt and its Web API client log through smsops' logger, so their lines are JSON and scrubbed of secrets too. */
export function toBoltLogger(logger: Logger): BoltLogger {
  let level: LogLevel = LogLevel.INFO;
  return {
    // The Web API client logs each request's and result's whole body at debug level: cleaning them (a regex over the
    // text, the result parsed) is work for nothing at info, once per Slack post (~3 % of a post's own CPU).
    debug: (...msg) => {
      if (logger.enabled('debug')) logger.debug(boltLineWithoutBodies(msg), { source: 'bolt' });
    },
    info: (...msg) => logger.info(boltLineWithoutBodies(msg), { source: 'bolt' }),
    warn: (...msg) => logger.warn(boltLineWithoutBodies(msg), { source: 'bolt' }),
    error: (...msg) => logger.error(boltLineWithoutBodies(msg), { source: 'bolt' }),
    setLevel: (next) => {
      level = next;
    },
    getLevel: () => level,
    setName: () => {},
  };
}
