import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';
import { formatPhoneForPeople } from '../core/phone.js';
import { maskUrl } from '../core/urls.js';
import { describeError } from '../errors.js';
import type { Logger } from '../log.js';
import type { WavixEmulator } from './emulator/server.js';
import type { ConsoleFeed } from './feed.js';
import { sendJson } from './http/answer.js';
import { readJsonBody } from './http/body.js';
import { Router } from './http/router.js';
import type { PortsipSink } from './portsipSink.js';
import type { SlackRequestClient, SlackRequestResponse } from './slackRequests.js';
import { DEFAULT_SMS_SENDER, SANDBOX_WORKSPACE } from './workspace.js';

/**
 * The console's JSON API under /sandbox/api/. Every click of the person becomes the request Slack or Wavix would send:
 * a signed slash command, view submission or block action into Bolt, or an emulator admin call that makes Wavix post
 * a webhook. The console then sees the outcome the way a person would, through what smsops sent to the fake Slack.
 */
export interface ConsoleApiDeps {
  feed: ConsoleFeed;
  slack: SlackRequestClient;
  /** The same, signed as the workspace member who is not an admin ("act as a non-admin"). */
  slackAsMember?: SlackRequestClient;
  emulator: WavixEmulator;
  sink: PortsipSink;
  logger: Logger;
}

const MAX_BODY = 256 * 1024;

class BadRequest extends Error {}
/** A path parameter that names nothing the console has: answered 404 like an unknown path. */
class NotFound extends Error {}
const ANSWERED = Symbol('answered');

/**
 * Every POST, with a body or without (open the App Home, close a form), must say it is JSON: another site's page can
 * send a form or text/plain to loopback without asking, but a JSON content type needs a preflight the console never
 * answers. Without a token nothing else tells the console's own page from another site's.
 */
const isJson = (req: IncomingMessage) => (req.headers['content-type'] ?? '').trim().toLowerCase().startsWith('application/json');

async function readJson<T>(req: IncomingMessage, schema: z.ZodType<T>): Promise<T> {
  const body = await readJsonBody(req, MAX_BODY);
  if (body.kind === 'tooLarge') throw new BadRequest('request body too large');
  if (body.kind === 'malformed') throw new BadRequest('malformed JSON');
  const parsed = schema.safeParse(body.kind === 'json' ? body.value : {});
  if (!parsed.success) throw new BadRequest(z.prettifyError(parsed.error));
  return parsed.data;
}

const option = z.object({
  value: z.string(),
  text: z.object({ type: z.literal('plain_text'), text: z.string(), emoji: z.boolean().optional() }).optional(),
});
const actionSchema = z.object({
  blockId: z.string().min(1),
  actionId: z.string().min(1),
  type: z.string().min(1),
  value: z.string().optional(),
  selectedOption: option.optional(),
  selectedOptions: z.array(option).optional(),
});
/** `view.state.values` as Slack sends it: block_id → action_id → the element's state. */
const stateValues = z.record(z.string(), z.record(z.string(), z.record(z.string(), z.unknown())));

const commandBody = z.object({ text: z.string().max(4000) });
const submitBody = z.object({ values: stateValues });
const viewActionBody = actionSchema.extend({ values: stateValues.default({}) });
const optionsBody = z.object({ blockId: z.string().max(255), actionId: z.string().max(255), value: z.string().max(200) });
// `media`: an MMS, with at most the 5 attachments Wavix allows (the emulator refuses more, as its send does).
const inboundBody = z.object({
  from: z.string().trim().min(1),
  to: z.string().trim().min(1),
  text: z.string().max(10_000),
  media: z.array(z.string().trim().min(1).max(2_000)).max(5).optional(),
});
const approveBody = z.object({ country: z.string().regex(/^[A-Z]{2}$/) });
const rejectBody = approveBody.extend({ reason: z.string().trim().min(1).max(200).default('Rejected by the carrier') });
const identityBody = z.object({ as: z.enum(['admin', 'member']) });
const trafficBody = z.object({
  count: z.number().int().min(1).max(1000),
  failureRate: z.number().min(0).max(1),
  from: z.string().optional(),
});
type Identity = z.infer<typeof identityBody>['as'];
const threadReplyBody = z.object({ text: z.string().max(4000) });
/** How Slack sends typed text in a message event: `&`, `<` and `>` as entities. */
const asSlackText = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

const str = (value: unknown): string => (typeof value === 'string' ? value : '');

export function createConsoleApi(deps: ConsoleApiDeps) {
  const { feed, emulator, sink, logger } = deps;
  const { commandChannel } = SANDBOX_WORKSPACE;
  /** Who the console's clicks and commands come from: the admin ("you") or the member who is not one. */
  let actingAs: Identity = 'admin';
  const acting = () => (actingAs === 'admin' ? SANDBOX_WORKSPACE.user : SANDBOX_WORKSPACE.member);
  const slackAs = (who: Identity) => (who === 'member' ? (deps.slackAsMember ?? deps.slack) : deps.slack);

  /** smsops refused or failed a request: the person sees why in the feed (Slack would show "dispatch_failed"). */
  const reportFailure = (what: string, response: SlackRequestResponse) => {
    if (response.status === 200) return;
    feed.addNote(`smsops answered ${what} with HTTP ${response.status}: ${response.text.slice(0, 300)}`, 'error');
  };

  async function runCommand(typed: string, by: 'you' | 'sandbox' = 'you') {
    const text = typed.trim().replace(/^\/sms(\s+|$)/, '');
    if (/^\/\S+/.test(text)) throw new BadRequest('Only /sms exists in this sandbox.');
    const who: Identity = by === 'sandbox' ? 'admin' : actingAs;
    const item = feed.addCommand(
      `/sms ${text}`.trim(),
      commandChannel,
      who === 'member' ? SANDBOX_WORKSPACE.member.name : undefined,
    );
    if (by === 'sandbox') feed.addNote('The sandbox typed the command above for you.');
    const response = await slackAs(who).command(text, {
      channelId: commandChannel,
      userId: (who === 'admin' ? SANDBOX_WORKSPACE.user : SANDBOX_WORKSPACE.member).id,
      responseUrl: feed.responseUrlFor({ channel: commandChannel }),
    });
    reportFailure('the slash command', response);
    if (response.status === 200) feed.addAcknowledgement(response.json, commandChannel);
    return { itemId: item.id, status: response.status };
  }

  async function emulatorAdmin(path: string, body: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
    const response = await fetch(`${emulator.url}/_emulator/${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${emulator.apiKey}` },
      body: JSON.stringify(body),
    });
    const json = (await response.json().catch(() => ({}))) as Record<string, unknown>;
    return { status: response.status, json };
  }

  function emulatorView() {
    const state = emulator.state();
    return {
      smsNumbers: state.numbers
        .filter((n) => n.sms_enabled)
        .map((n) => ({ e164: `+${n.number}`, display: formatPhoneForPeople(`+${n.number}`), country: n.country_short_name })),
      pendingSenderIds: state.senderIds.flatMap((s) => {
        const pending = [...(state.reviews.get(s.id)?.pending.keys() ?? [])];
        return pending.length > 0 ? [{ id: s.id, senderId: s.sender_id, type: s.type, pending }] : [];
      }),
      inboundWebhook: state.profile.sms_relay_url ? maskUrl(state.profile.sms_relay_url) : null,
    };
  }

  function portsipView() {
    return sink.received().map((r) => ({
      id: r.id,
      at: r.at,
      method: r.method,
      path: r.path,
      contentType: r.headers['content-type'] ?? null,
      body: r.body.toString('utf8'),
    }));
  }

  /** A route's JSON answer, or ANSWERED when it wrote its own (a file). */
  type Route = (req: IncomingMessage, params: Record<string, string>, res: ServerResponse) => Promise<unknown>;
  const router = new Router<Route>();
  const routes: Array<{ method: string; path: string; run: Route }> = [
    {
      method: 'GET',
      path: '/sandbox/api/state',
      run: async () => ({
        version: feed.version(),
        workspace: {
          user: SANDBOX_WORKSPACE.user,
          member: SANDBOX_WORKSPACE.member,
          bot: SANDBOX_WORKSPACE.bot,
          commandChannel,
          alertChannel: SANDBOX_WORKSPACE.alertChannel,
          inboxChannel: SANDBOX_WORKSPACE.inboxChannel,
          channels: SANDBOX_WORKSPACE.channelNames,
          defaultSmsSender: DEFAULT_SMS_SENDER,
        },
        actingAs,
        ...feed.snapshot(),
        portsip: portsipView(),
        emulator: emulatorView(),
      }),
    },
    {
      method: 'POST',
      path: '/sandbox/api/command',
      run: async (req) => runCommand((await readJson(req, commandBody)).text),
    },
    {
      method: 'POST',
      path: '/sandbox/api/views/:viewId/submit',
      run: async (req, { viewId = '' }) => {
        const { values } = await readJson(req, submitBody);
        const modal = feed.modal(viewId);
        if (!modal) throw new BadRequest('That form is no longer open.');
        const versionAtSend = modal.version;
        const response = await slackAs(actingAs).viewSubmission({
          callbackId: str(modal.view.callback_id),
          privateMetadata: str(modal.view.private_metadata),
          viewId,
          hash: modal.hash,
          userId: acting().id,
          values,
        });
        reportFailure('the form', response);
        if (response.status === 200) feed.applySubmissionAck(viewId, versionAtSend, response.json);
        return { status: response.status };
      },
    },
    {
      method: 'POST',
      path: '/sandbox/api/views/:viewId/close',
      run: async (_req, { viewId = '' }) => {
        feed.closeModal(viewId);
        return { closed: true };
      },
    },
    {
      // An external_select asking for its options as the person types: Slack's signed block_suggestion to smsops.
      method: 'POST',
      path: '/sandbox/api/views/:viewId/options',
      run: async (req, { viewId = '' }) => {
        const asked = await readJson(req, optionsBody);
        const view = feed.modal(viewId)?.view;
        if (!view) throw new BadRequest('That form is no longer open.');
        const response = await slackAs(actingAs).blockSuggestion({
          ...asked,
          userId: acting().id,
          viewId,
          callbackId: str(view.callback_id),
          privateMetadata: str(view.private_metadata),
        });
        reportFailure('the options', response);
        const answer = (response.json ?? {}) as Record<string, unknown>;
        return { options: answer.options ?? [], option_groups: answer.option_groups ?? [] };
      },
    },
    {
      method: 'POST',
      path: '/sandbox/api/views/:viewId/actions',
      run: async (req, { viewId = '' }) => {
        const action = await readJson(req, viewActionBody);
        const home = feed.home();
        const view = home?.id === viewId ? home.view : feed.modal(viewId)?.view;
        if (!view) throw new BadRequest('That view is no longer open.');
        const response = await slackAs(actingAs).blockAction({
          ...actionFields(action),
          userId: acting().id,
          container: 'view',
          viewType: home?.id === viewId ? 'home' : 'modal',
          viewId,
          callbackId: str(view.callback_id),
          privateMetadata: str(view.private_metadata),
          stateValues: action.values,
          hash: feed.modal(viewId)?.hash ?? '',
        });
        reportFailure('the click', response);
        return { status: response.status };
      },
    },
    {
      method: 'POST',
      path: '/sandbox/api/items/:itemId/actions',
      run: async (req, { itemId = '' }) => {
        if (!/^\d+$/.test(itemId)) throw new NotFound();
        const action = await readJson(req, actionSchema);
        const item = feed.item(Number(itemId));
        if (!item || item.ts === null) throw new BadRequest('That message is gone.');
        const response = await slackAs(actingAs).blockAction({
          ...actionFields(action),
          userId: acting().id,
          channelId: item.channel ?? commandChannel,
          messageTs: item.ts,
          isEphemeral: item.kind === 'reply',
          responseUrl: feed.responseUrlFor({ channel: item.channel, itemId: item.id }),
        });
        reportFailure('the click', response);
        return { status: response.status };
      },
    },
    {
      // A message typed in a thread, as Slack's Events API delivers it: in the thread of a relayed SMS, smsops sends it
      // to the customer as an SMS (through the emulator).
      method: 'POST',
      path: '/sandbox/api/items/:itemId/reply',
      run: async (req, { itemId = '' }) => {
        if (!/^\d+$/.test(itemId)) throw new NotFound();
        const { text } = await readJson(req, threadReplyBody);
        if (text.trim() === '') throw new BadRequest('Type the reply first.');
        const parent = feed.item(Number(itemId));
        if (!parent || parent.ts === null || parent.channel === null) throw new BadRequest('That message is gone.');
        const threadTs = parent.threadTs ?? parent.ts;
        const written = feed.addThreadMessage(text, parent.channel, threadTs);
        const response = await slackAs(actingAs).event({
          type: 'message',
          channel: parent.channel,
          channel_type: 'channel',
          user: acting().id,
          text: asSlackText(text),
          ts: written.ts,
          thread_ts: threadTs,
          event_ts: written.ts,
        });
        reportFailure('the reply', response);
        return { status: response.status, itemId: written.id };
      },
    },
    {
      method: 'POST',
      path: '/sandbox/api/home',
      run: async () => {
        const response = await slackAs(actingAs).event({
          type: 'app_home_opened',
          user: acting().id,
          channel: 'D0SANDBOX1',
          tab: 'home',
          event_ts: `${Math.floor(Date.now() / 1000)}.000100`,
        });
        reportFailure('opening the App Home', response);
        return { status: response.status };
      },
    },
    {
      method: 'POST',
      path: '/sandbox/api/inbound',
      run: async (req) => {
        const sms = await readJson(req, inboundBody);
        const { status, json } = await emulatorAdmin('inbound', sms);
        const route = `from ${formatPhoneForPeople(sms.from)} to ${formatPhoneForPeople(sms.to)}`;
        const kind = sms.media && sms.media.length > 0 ? 'MMS' : 'SMS';
        if (status !== 200) {
          const reason = str(json.message) || str(json.error) || `HTTP ${status}`;
          feed.addNote(`Wavix (emulator) did not take the ${kind} ${route}: ${reason}`, 'error');
          return { status, error: reason };
        }
        const webhookStatus = json.webhook_status;
        if (json.delivered_to === null) {
          feed.addNote(`Wavix (emulator) took the ${kind} ${route}, but no inbound webhook is set, so nobody was told.`, 'error');
        } else if (typeof webhookStatus === 'number' && webhookStatus >= 200 && webhookStatus < 300) {
          feed.addNote(`Wavix (emulator) posted an inbound ${kind} ${route} to smsops' webhook: HTTP ${webhookStatus}.`);
        } else {
          feed.addNote(
            `Wavix (emulator) posted an inbound ${kind} ${route}; smsops answered ${webhookStatus ?? str(json.webhook_error)}.`,
            'error',
          );
        }
        return { status, messageId: json.message_id, webhookStatus };
      },
    },
    {
      method: 'POST',
      path: '/sandbox/api/sender-ids/:id/approve',
      run: async (req, { id = '' }) => {
        const { country } = await readJson(req, approveBody);
        const { status, json } = await emulatorAdmin(`sender-ids/${encodeURIComponent(id)}/approve`, { countries: [country] });
        if (status !== 200) throw new BadRequest(str(json.error) || str(json.message) || `the emulator answered HTTP ${status}`);
        feed.addNote(`Wavix (emulator) approved Sender ID ${str(json.sender_id)} in ${country}.`);
        // smsops learns of approvals by polling Wavix; run that poll now instead of waiting for its schedule.
        return runCommand('jobs run sender-id-approvals', 'sandbox');
      },
    },
    {
      // Wavix refuses the Sender ID in that country. Its API has no rejected state (a refused country just never
      // joins allowlisted_in; the reason comes by e-mail), so the person records it in smsops: the sandbox does that
      // step too, by the Sender ID's Wavix id, as an admin would after reading the e-mail.
      method: 'POST',
      path: '/sandbox/api/sender-ids/:id/reject',
      run: async (req, { id = '' }) => {
        const { country, reason } = await readJson(req, rejectBody);
        const { status, json } = await emulatorAdmin(`sender-ids/${encodeURIComponent(id)}/reject`, {
          countries: [country],
          reason,
        });
        if (status !== 200) throw new BadRequest(str(json.error) || str(json.message) || `the emulator answered HTTP ${status}`);
        feed.addNote(
          `Wavix (emulator) rejected Sender ID ${str(json.sender_id)} in ${country}: "${reason}". Wavix's API does not say so; its staff would tell you by e-mail, so the sandbox records it in smsops for you.`,
        );
        await runCommand(`senderid reject ${id} ${country} ${reason}`, 'sandbox');
        // As after an approval: the check that announces decisions runs now instead of on its schedule.
        return runCommand('jobs run sender-id-approvals', 'sandbox');
      },
    },
    {
      // "Send 50 outbound, 10% fail": messages the account's own systems sent, with delivery reports to smsops.
      method: 'POST',
      path: '/sandbox/api/outbound-traffic',
      run: async (req) => {
        const request = await readJson(req, trafficBody);
        const { status, json } = await emulatorAdmin('outbound-traffic', request);
        if (status !== 201) throw new BadRequest(str(json.error) || `the emulator answered HTTP ${status}`);
        const failing = typeof json.failing === 'number' ? json.failing : 0;
        feed.addNote(
          `Wavix (emulator) sent ${request.count} SMS from ${formatPhoneForPeople(str(json.from))} as your own systems would; ${failing} will end undelivered. Delivery reports reach smsops over the next seconds; /sms traffic then shows them.`,
        );
        return { status, count: request.count, failing };
      },
    },
    {
      // "Act as a non-admin": the same console, signed as a member who is not in SLACK_ADMIN_USERS.
      method: 'POST',
      path: '/sandbox/api/identity',
      run: async (req) => {
        actingAs = (await readJson(req, identityBody)).as;
        const who = acting();
        feed.addNote(
          actingAs === 'admin'
            ? `You act as @${who.name} again, who is in SLACK_ADMIN_USERS: smsops lets you change the setup.`
            : `You now act as @${who.name}, a workspace member who is not in SLACK_ADMIN_USERS: smsops lets them read but not change the setup.`,
        );
        return { actingAs };
      },
    },
    {
      method: 'GET',
      path: '/sandbox/api/files/:id',
      run: async (_req, { id = '' }, res) => {
        if (!/^[\w-]+$/.test(id)) throw new NotFound();
        sendFile(res, id);
        return ANSWERED;
      },
    },
  ];
  for (const route of routes) router.add(route.method, route.path, route.run);

  function sendFile(res: ServerResponse, id: string): void {
    const file = feed.file(id);
    if (!file) {
      sendJson(res, 404, { error: 'no such file' });
      return;
    }
    const image = file.mimetype.startsWith('image/');
    res.writeHead(200, {
      'content-type': file.mimetype,
      'content-length': file.bytes.length,
      'x-content-type-options': 'nosniff',
      'content-disposition': `${image ? 'inline' : 'attachment'}; filename="${file.filename.replace(/[^\w.-]/g, '_')}"`,
    });
    res.end(file.bytes);
  }

  return {
    /** Answers a request under /sandbox/api/; false when the path is not the API's. */
    async handle(req: IncomingMessage, res: ServerResponse, path: string): Promise<boolean> {
      const match = router.match(req.method ?? 'GET', path);
      if (!match.handler) {
        if (match.pathKnown) sendJson(res, 405, { error: 'method not allowed' });
        return match.pathKnown;
      }
      try {
        if (req.method === 'POST' && !isJson(req)) throw new BadRequest('send application/json');
        const answer = await match.handler(req, match.params, res);
        if (answer !== ANSWERED) sendJson(res, 200, answer);
      } catch (error) {
        if (error instanceof NotFound) return false;
        if (error instanceof BadRequest) {
          sendJson(res, 400, { error: error.message });
        } else {
          logger.error('sandbox console request failed', { path, error: describeError(error) });
          sendJson(res, 500, { error: 'the sandbox failed; see its log' });
        }
      }
      return true;
    },
  };
}

function actionFields(action: z.infer<typeof actionSchema>) {
  return {
    actionId: action.actionId,
    blockId: action.blockId,
    actionType: action.type,
    ...(action.value !== undefined ? { value: action.value } : {}),
    ...(action.selectedOption ? { selectedOption: action.selectedOption } : {}),
    ...(action.selectedOptions ? { selectedOptions: action.selectedOptions } : {}),
  };
}
