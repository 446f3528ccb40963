import { type Logger as BoltLogger, LogLevel } from '@slack/bolt';
import type { Logger } from '../log.js';

/**
 * What Bolt, its Web API client and the Socket Mode client write with a body in it, at debug level: the request body
 * of every Web API call (`chat.postMessage` of a relayed SMS carries its text), the result (Slack echoes the message),
 * each Socket Mode envelope (a command's text, a modal's values) and its ack (the socket client's line and Bolt's). The body is replaced by its size, and
 * for a Web API result by the few fields that identify it; SMS text and people's input are personal data, never logged.
 */
const BODY_CARRIERS: RegExp[] = [
  /^(http request body: )([\s\S]*)$/,
  /^(Received a message on the WebSocket: )([\s\S]*)$/,
  /^(Sending a WebSocket message: )([\s\S]*)$/,
  /^(Calling ack\(\) - [\s\S]*?data: )([\s\S]*)$/,
  /^(Unable to parse an incoming WebSocket message \(will ignore\): [^,]*, )([\s\S]*)$/,
  // Bolt's own ack lines (SocketModeResponseAck writes the body as JSON; HTTPResponseAck as it was given): an answer
  // in the ack quotes what the person typed ("`+447700900123` is not an /sms command").
  /^(ack\(\) (?:call begins|response stored|response sent) \(body: )([\s\S]*)$/,
];
const RESULT = /^(http request result: )([\s\S]*)$/;
/**
 * files.uploadV2 posts the file to the `upload_url` files.getUploadURLExternal handed out: a pre-signed address (the
 * token is its path), enough for whoever reads the log to put other bytes in the chart's place until it is completed.
 * The client writes it in its debug line, and in the error a 429 without Retry-After throws ("Retry header did not
 * contain a valid timeout (url: …)"), which smsops logs at warn when a chart is not shared (a probe): cut anywhere.
 */
const UPLOAD_URL = /(https?:\/\/[^/\s]+\/upload\/)[^\s,)]+/g;

/** A text with every Slack upload address cut to its host and /upload/, for log lines and errors about uploads. */
export function withoutUploadAddresses(text: string): string {
  return text.includes('/upload/') ? text.replace(UPLOAD_URL, '$1…') : text;
}

const size = (text: string) => `[${Buffer.byteLength(text)} bytes omitted]`;

// Slack's own codes and ids are short words (`channel_not_found`, `C0123`, `1700000000.000100`); anything else in
// those fields is not Slack's (a proxy's page, an error echoing the call, which may hold a relayed SMS).
const SLACK_WORD = /^[\w.-]{1,100}$/;

/** A Web API result reduced to what identifies it: ok/error, the channel and the message ts, when they are Slack's. */
function resultIds(json: string): string {
  try {
    const result = JSON.parse(json) as Record<string, unknown>;
    const ids = Object.fromEntries(
      ['ok', 'error', 'channel', 'ts']
        .filter((key) => key in result)
        .map((key) => {
          const value = result[key];
          const kept = typeof value === 'boolean' || (typeof value === 'string' && SLACK_WORD.test(value));
          return [key, kept ? value : size(typeof value === 'string' ? value : (JSON.stringify(value) ?? ''))];
        }),
    );
    return `${JSON.stringify(ids)} ${size(json)}`;
  } catch {
    return size(json);
  }
}

/** One Bolt log line without the bodies it may carry. Exported for tests. */
export function boltLineWithoutBodies(parts: unknown[]): string {
  const joined = parts
    .map((p) => {
      if (typeof p === 'string') return p;
      if (p instanceof Error) return p.message;
      // An object handed to the logger is a payload (Bolt's developer mode logs whole request bodies): its size only.
      return size(JSON.stringify(p) ?? String(p));
    })
    .join(' ');
  // First, and then the bodies as ever: a body may quote an address that looks like one (an SMS with a link).
  const text = withoutUploadAddresses(joined);
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

const RESULT_PREFIX = 'http request result: ';
/**
 * A result carrying `response_metadata.messages` (strings, each `[ERROR] …` or `[WARN] …`) or `warnings` (strings the
 * client logs whole, at warn level): the client's redaction writes an array as an object of its indexes
 * (`{"0":"[ERROR] …"}`); an array is taken too, should it stop doing so.
 */
// The client's redaction drops null entries (`{"1":…}`), and an entry may be other than text: any such field counts.
const SLACK_MESSAGES_MARKS = ['"messages":', '"warnings":'];
// As the client reads them: what follows the mark, up to a line break, trimmed, is what it logs.
const SLACK_ERROR = /\[ERROR\](.*)/;
const SLACK_WARN = /\[WARN\](.*)/;
// What stays of one besides its size: its JSON pointer, a path of smsops' own keys. Its words do not: Slack quotes the
// call in them (`invalid block text: <the block>`), and a quoted SMS reads like words ("meet Dr Quinlan at 7: …").
const JSON_POINTER = /\[json-pointer:(\/[\w/.-]{0,100})\]/;

/** A `response_metadata.messages` line as smsops logs it: Slack's error code, where, and the size of what it said. */
function slackMessageLine(message: string, code: string | undefined): string {
  const pointer = JSON_POINTER.exec(message)?.[1];
  return `Slack answered ${code ?? 'with a message'}${pointer ? ` at ${pointer}` : ''}; its message is left out (${size(message)}): it may quote the call`;
}

/** A `response_metadata.warnings` entry: Slack's are codes (`missing_charset`), kept; anything else only by its size. */
function slackWarningLine(warning: string): string {
  return SLACK_WORD.test(warning)
    ? `Slack warned: ${warning}`
    : `Slack warned with words that are left out (${size(warning)}): they may quote the call`;
}

const codeOf = (error: unknown) => (typeof error === 'string' && SLACK_WORD.test(error) ? error : undefined);

/**
 * The messages and warnings of the last Web API result, as the client is about to log them (by their text) and as
 * smsops logs them instead. The client logs the result at debug level, then each warning and message at error or warn
 * level, in one synchronous run (@slack/web-api's WebClient.apiCall): a line is recognised by being one of them,
 * whatever it says.
 */
function slackMessagesOf(msg: unknown[]): Map<string, string> | undefined {
  const [line] = msg;
  if (msg.length !== 1 || typeof line !== 'string' || !line.startsWith(RESULT_PREFIX)) return undefined;
  if (!SLACK_MESSAGES_MARKS.some((mark) => line.includes(mark))) return undefined;
  try {
    const result = JSON.parse(line.slice(RESULT_PREFIX.length)) as {
      error?: unknown;
      response_metadata?: { messages?: unknown; warnings?: unknown };
    };
    const lines = new Map<string, string>();
    const { messages, warnings } = result.response_metadata ?? {};
    if (warnings !== null && typeof warnings === 'object')
      for (const warning of Object.values(warnings))
        if (typeof warning === 'string') lines.set(warning, slackWarningLine(warning));
    if (messages !== null && typeof messages === 'object') {
      const code = codeOf(result.error);
      for (const message of Object.values(messages)) {
        if (typeof message !== 'string') continue;
        const said = (SLACK_ERROR.exec(message) ?? SLACK_WARN.exec(message))?.[1]?.trim();
        if (said !== undefined) lines.set(said, slackMessageLine(said, code));
      }
    }
    return lines.size > 0 ? lines : undefined;
  } catch {
    return undefined;
  }
}

/** Bolt and its Web API client log through smsops' logger, so their lines are JSON and scrubbed of secrets too. */
export function toBoltLogger(logger: Logger): BoltLogger {
  let level: LogLevel = LogLevel.INFO;
  let slackMessages: Map<string, string> | undefined;
  /** A line of the client's, unless it is one of the messages of the result just logged: then that message, reduced. */
  const lineOf = (msg: unknown[]) => {
    // A warning comes through `forEach(logger.warn)`: its index and the array follow it. Reduced by that shape, whatever
    // the result said (the same warning twice, an entry that is not text before it, a redaction that changed it).
    if (msg.length === 3 && typeof msg[1] === 'number' && Array.isArray(msg[2]))
      return slackWarningLine(typeof msg[0] === 'string' ? msg[0] : String(JSON.stringify(msg[0]) ?? msg[0]));
    // Kept until the next result, not dropped at first use: Slack may say one message twice.
    const line = typeof msg[0] === 'string' ? slackMessages?.get(msg[0]) : undefined;
    return line ?? boltLineWithoutBodies(msg);
  };
  return {
    // The Web API client logs each request's and result's whole body at debug level: cleaning them (a regex over the
    // text, the result parsed) is work for nothing at info, once per Slack post (~3 % of a post's own CPU). A result
    // is only looked at for the messages Slack added (a prefix and a substring checked; parsed when they are there).
    debug: (...msg) => {
      slackMessages = slackMessagesOf(msg);
      if (logger.enabled('debug')) logger.debug(boltLineWithoutBodies(msg), { source: 'bolt' });
    },
    info: (...msg) => logger.info(boltLineWithoutBodies(msg), { source: 'bolt' }),
    warn: (...msg) => logger.warn(lineOf(msg), { source: 'bolt' }),
    error: (...msg) => logger.error(lineOf(msg), { source: 'bolt' }),
    setLevel: (next) => {
      level = next;
    },
    getLevel: () => level,
    setName: () => {},
  };
}
