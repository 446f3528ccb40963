import { createHmac, randomBytes } from 'node:crypto';

/**
 * Requests as Slack sends them to an app (slash commands, view submissions, block actions, events), signed with the
 * app's signing secret. The sandbox console sends a person's clicks through this, so they reach Bolt by the same
 * signature-checked path as Slack's own; the tests use it the same way.
 */

/** Headers Slack adds to every request it sends to an app. */
export interface SlackSignatureHeaders {
  'x-slack-request-timestamp': string;
  'x-slack-signature': string;
}

/** `v0=` + hex HMAC-SHA256 of `v0:<timestamp>:<body>` keyed by the signing secret. */
export function signSlackRequest(
  signingSecret: string,
  body: string,
  timestampSeconds: number = Math.floor(Date.now() / 1000),
): SlackSignatureHeaders {
  const digest = createHmac('sha256', signingSecret).update(`v0:${timestampSeconds}:${body}`).digest('hex');
  return { 'x-slack-request-timestamp': String(timestampSeconds), 'x-slack-signature': `v0=${digest}` };
}

export interface SlackRequestResponse {
  status: number;
  text: string;
  /** The body parsed as JSON, or undefined when it is empty or not JSON. */
  // biome-ignore lint/suspicious/noExplicitAny: tests assert on arbitrary ack bodies
  json: any;
  headers: Headers;
}

/** Per-request overrides for the signing step. */
export interface SignOptions {
  /** Request timestamp in seconds (default: now); the signature is computed over it. */
  timestamp?: number;
  /** Sent instead of the correct signature. */
  signature?: string;
}

export interface CommandOptions extends SignOptions {
  userId?: string;
  channelId?: string;
  /** Default '/sms'. */
  command?: string;
  /** Sent instead of the generated response_url (so a caller can tell which request a later post answers). */
  responseUrl?: string;
}

export interface ViewSubmissionOptions extends SignOptions {
  callbackId: string;
  /** `view.state.values`: `{ [block_id]: { [action_id]: { type, value | selected_option | ... } } }`. */
  values: Record<string, Record<string, unknown>>;
  privateMetadata?: string;
  viewId?: string;
  /** The view's hash (Slack sends it; `views.update` may check it). */
  hash?: string;
  userId?: string;
}

export interface SelectedOption {
  value: string;
  text?: { type: 'plain_text'; text: string; emoji?: boolean };
}

export interface BlockActionOptions extends SignOptions {
  actionId: string;
  blockId?: string;
  value?: string;
  /** The element type Slack reports (default: `static_select` with a selected option, else `button`). */
  actionType?: string;
  /** Makes the action a `static_select` (otherwise a `button`). */
  selectedOption?: SelectedOption;
  /** A multi-select's choice (`selected_options`). */
  selectedOptions?: SelectedOption[];
  userId?: string;
  channelId?: string;
  /** Where the button lives: a message (default) or a modal view. */
  container?: 'message' | 'view';
  /** Message container: the message's ts (default '1700000000.000100'). */
  messageTs?: string;
  /** Message container: an ephemeral message (Slack then sends no `message`). */
  isEphemeral?: boolean;
  /** Sent instead of the generated response_url. */
  responseUrl?: string;
  /** View container only. */
  viewId?: string;
  /** View container only. */
  callbackId?: string;
  /** View container only. */
  privateMetadata?: string;
  /** View container only: `view.state.values`. */
  stateValues?: Record<string, Record<string, unknown>>;
  /** View container only. */
  hash?: string;
  /** View container only: a modal (default) or the App Home tab. */
  viewType?: 'modal' | 'home';
}

export interface BlockSuggestionOptions extends SignOptions {
  /** The external_select's ids. */
  actionId: string;
  blockId: string;
  /** What the person typed so far. */
  value: string;
  userId?: string;
  viewId?: string;
  callbackId?: string;
  privateMetadata?: string;
}

export interface SlackRequestClientOptions {
  /** The Bolt receiver endpoint, e.g. `http://127.0.0.1:PORT/slack/events`. */
  eventsUrl: string;
  signingSecret: string;
  /** Base for response_url values (e.g. FakeSlack.responseUrl); `cmd-<n>` / `act-<n>` is appended. */
  responseUrl: string;
  /** Who acts when a request names nobody (default U0ADMIN001, "alice"). */
  userId?: string;
  userName?: string;
  /** Where commands and message actions happen when a request names no channel (default C0ALERTS01, "ops"). */
  channelId?: string;
  channelName?: string;
}

export interface SlackRequestClient {
  command(text: string, opts?: CommandOptions): Promise<SlackRequestResponse>;
  viewSubmission(opts: ViewSubmissionOptions): Promise<SlackRequestResponse>;
  blockAction(opts: BlockActionOptions): Promise<SlackRequestResponse>;
  /** An external_select in a modal asking for its options (`block_suggestion`); the answer is the ack's body. */
  blockSuggestion(opts: BlockSuggestionOptions): Promise<SlackRequestResponse>;
  /** Events API `event_callback` wrapping `event`. */
  event(event: object, opts?: SignOptions): Promise<SlackRequestResponse>;
  /** Sends `body` with exactly `headers` (no signing). */
  raw(body: string, headers: Record<string, string>): Promise<SlackRequestResponse>;
}

const TEAM = { id: 'T1', domain: 'acme' };
const FORM = 'application/x-www-form-urlencoded';

export function createSlackRequestClient(options: SlackRequestClientOptions): SlackRequestClient {
  const { eventsUrl, signingSecret, responseUrl } = options;
  const defaultUser = options.userId ?? 'U0ADMIN001';
  const userName = options.userName ?? 'alice';
  const defaultChannel = options.channelId ?? 'C0ALERTS01';
  const channelName = options.channelName ?? 'ops';
  // Slack never reuses an event id, and smsops keeps those it handled (a retry is then not sent twice) in a database
  // that may outlive this client: another run of the sandbox, or the member's client beside the admin's, counts from 1
  // too, so the counter alone would repeat ids and their events would be dropped as already handled.
  const eventIdPrefix = `Ev${randomBytes(5).toString('hex').toUpperCase()}`;
  let counter = 0;
  const next = (): number => {
    counter += 1;
    return counter;
  };

  const raw = async (body: string, headers: Record<string, string>): Promise<SlackRequestResponse> => {
    const res = await fetch(eventsUrl, { method: 'POST', headers, body });
    const text = await res.text();
    let json: unknown;
    if (text.trim() !== '') {
      try {
        json = JSON.parse(text);
      } catch {
        json = undefined;
      }
    }
    return { status: res.status, text, json, headers: res.headers };
  };

  // Bolt compares the content type with === so it must carry no charset parameter.
  const send = (body: string, contentType: string, opts: SignOptions = {}): Promise<SlackRequestResponse> => {
    const signed = signSlackRequest(signingSecret, body, opts.timestamp);
    if (opts.signature !== undefined) signed['x-slack-signature'] = opts.signature;
    return raw(body, { 'content-type': contentType, ...signed });
  };

  const sendPayload = (payload: object, opts: SignOptions): Promise<SlackRequestResponse> =>
    send(new URLSearchParams({ payload: JSON.stringify(payload) }).toString(), FORM, opts);

  const user = (id: string) => ({ id, username: userName, name: userName, team_id: TEAM.id });

  return {
    raw,

    command: (text, opts = {}) => {
      const n = next();
      const body = new URLSearchParams({
        token: 'x',
        team_id: TEAM.id,
        team_domain: TEAM.domain,
        channel_id: opts.channelId ?? defaultChannel,
        channel_name: channelName,
        user_id: opts.userId ?? defaultUser,
        user_name: userName,
        command: opts.command ?? '/sms',
        text,
        api_app_id: 'A1',
        is_enterprise_install: 'false',
        response_url: opts.responseUrl ?? `${responseUrl}cmd-${n}`,
        trigger_id: `trig-${n}`,
      });
      return send(body.toString(), FORM, opts);
    },

    viewSubmission: (opts) => {
      const n = next();
      return sendPayload(
        {
          type: 'view_submission',
          team: TEAM,
          user: user(opts.userId ?? defaultUser),
          api_app_id: 'A1',
          token: 'x',
          trigger_id: `trig-${n}`,
          view: {
            id: opts.viewId ?? 'V0001',
            callback_id: opts.callbackId,
            type: 'modal',
            team_id: TEAM.id,
            app_id: 'A1',
            bot_id: 'BBOT',
            hash: opts.hash ?? 'h-1',
            private_metadata: opts.privateMetadata ?? '',
            state: { values: opts.values },
          },
          response_urls: [],
          is_enterprise_install: false,
        },
        opts,
      );
    },

    blockAction: (opts) => {
      const n = next();
      const channelId = opts.channelId ?? defaultChannel;
      const messageTs = opts.messageTs ?? '1700000000.000100';
      const viewId = opts.viewId ?? 'V0001';
      const action: Record<string, unknown> = {
        type:
          opts.actionType ?? (opts.selectedOption ? 'static_select' : opts.selectedOptions ? 'multi_static_select' : 'button'),
        action_id: opts.actionId,
        block_id: opts.blockId ?? 'b',
        action_ts: `${Math.floor(Date.now() / 1000)}.${String(n).padStart(6, '0')}`,
      };
      if (opts.value !== undefined) action.value = opts.value;
      if (opts.selectedOption !== undefined) {
        action.selected_option = {
          text: opts.selectedOption.text ?? { type: 'plain_text', text: opts.selectedOption.value },
          value: opts.selectedOption.value,
        };
      }
      if (opts.selectedOptions !== undefined) {
        action.selected_options = opts.selectedOptions.map((o) => ({
          text: o.text ?? { type: 'plain_text', text: o.value },
          value: o.value,
        }));
      }
      const payload: Record<string, unknown> = {
        type: 'block_actions',
        team: TEAM,
        user: user(opts.userId ?? defaultUser),
        api_app_id: 'A1',
        token: 'x',
        trigger_id: `trig-${n}`,
        response_url: opts.responseUrl ?? `${responseUrl}act-${n}`,
        is_enterprise_install: false,
      };
      if (opts.container === 'view') {
        payload.container = { type: 'view', view_id: viewId };
        payload.view = {
          id: viewId,
          type: opts.viewType ?? 'modal',
          callback_id: opts.callbackId ?? '',
          private_metadata: opts.privateMetadata ?? '',
          state: { values: opts.stateValues ?? {} },
          hash: opts.hash ?? 'h-1',
          team_id: TEAM.id,
          app_id: 'A1',
          bot_id: 'BBOT',
        };
      } else {
        const isEphemeral = opts.isEphemeral ?? false;
        payload.container = { type: 'message', message_ts: messageTs, channel_id: channelId, is_ephemeral: isEphemeral };
        payload.channel = { id: channelId, name: channelName };
        if (!isEphemeral) payload.message = { type: 'message', ts: messageTs, user: 'UBOT', bot_id: 'BBOT', text: '' };
      }
      payload.actions = [action];
      return sendPayload(payload, opts);
    },

    blockSuggestion: (opts) => {
      const viewId = opts.viewId ?? 'V0001';
      return sendPayload(
        {
          type: 'block_suggestion',
          user: user(opts.userId ?? defaultUser),
          container: { type: 'view', view_id: viewId },
          api_app_id: 'A1',
          token: 'x',
          action_id: opts.actionId,
          block_id: opts.blockId,
          value: opts.value,
          team: TEAM,
          view: {
            id: viewId,
            type: 'modal',
            callback_id: opts.callbackId ?? '',
            private_metadata: opts.privateMetadata ?? '',
            state: { values: {} },
            hash: 'h-1',
            team_id: TEAM.id,
            app_id: 'A1',
            bot_id: 'BBOT',
          },
          is_enterprise_install: false,
        },
        opts,
      );
    },

    event: (event, opts = {}) => {
      const n = next();
      const body = JSON.stringify({
        token: 'x',
        team_id: TEAM.id,
        api_app_id: 'A1',
        event,
        type: 'event_callback',
        event_id: `${eventIdPrefix}${n}`,
        event_time: Math.floor(Date.now() / 1000),
        authorizations: [{ enterprise_id: null, team_id: TEAM.id, user_id: 'UBOT', is_bot: true, is_enterprise_install: false }],
        is_ext_shared_channel: false,
      });
      return send(body, 'application/json', opts);
    },
  };
}
