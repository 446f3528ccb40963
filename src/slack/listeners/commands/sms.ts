import type { AllMiddlewareArgs, SlackCommandMiddlewareArgs } from '@slack/bolt';
import { readAudit } from '../../../core/auditReading.js';
import { auditMessage } from '../../ui/audit.js';
import { helpMessage, usageMessage } from '../../ui/help.js';
import { clip } from '../../ui/text.js';
import { type Interaction, replier, type SlackDeps, type SlowPartReach, slowPart } from '../context.js';
import { refusedToOutsider } from '../fullMembersOnly.js';
import { doctorCommand, doctorIgnoreCommand, doctorIgnoredCommand, doctorUnignoreCommand } from './doctorCommand.js';
import { forgetCommand } from './forgetCommand.js';
import { enableInboundCommand, listNumbersCommand } from './numberCommands.js';
import { parseSmsCommand, type SmsCommand } from './parseCommand.js';
import { portsipRoutesCommand } from './portsipCommands.js';
import { inboxCommand, relayReplayCommand, relayStatusCommand } from './relayCommands.js';
import { listRoutesCommand, removeRouteCommand, setRouteCommand } from './routeCommands.js';
import {
  deleteSenderIdCommand,
  listSenderIdsCommand,
  openSenderIdForm,
  rejectSenderIdCommand,
  senderIdStatusCommand,
} from './senderIdCommands.js';
import { alertsListCommand, alertsSetCommand, jobsListCommand, jobsRunCommand, trafficCommand } from './watchCommands.js';
import { setWebhookCommand } from './webhookCommands.js';

type Handlers = {
  [K in SmsCommand['kind']]: (
    interaction: Interaction,
    command: Extract<SmsCommand, { kind: K }>,
    triggerId: string,
  ) => Promise<void>;
};

/** One handler per command kind; the parser decides which, so this table is the whole routing. */
const handlers: Handlers = {
  help: (i, c) => i.reply(helpMessage(c.topic)),
  'senderid.create': (i, c, triggerId) => openSenderIdForm(i, triggerId, c.prefill),
  'senderid.list': (i, c) => listSenderIdsCommand(i, c.page),
  'senderid.status': (i, c) => senderIdStatusCommand(i, c.query),
  'senderid.reject': (i, c) => rejectSenderIdCommand(i, c),
  'senderid.delete': (i, c) => deleteSenderIdCommand(i, c.query),
  'number.list': (i, c) => listNumbersCommand(i, c),
  'number.enable-inbound': (i, c) => enableInboundCommand(i, c.number),
  'webhook.set': (i, c) => setWebhookCommand(i, { target: c.target, url: c.url }),
  'route.set': (i, c) => setRouteCommand(i, c),
  'route.list': (i, c) => listRoutesCommand(i, c),
  'route.remove': (i, c) => removeRouteCommand(i, c.number),
  audit: async (i, c) => {
    const page = c.page ?? 1;
    const { entries, total } = await readAudit(i.deps.services, i.actor, c.limit, (page - 1) * c.limit);
    return i.reply(auditMessage(entries, { limit: c.limit, page, total }));
  },
  'relay.status': (i, c) => relayStatusCommand(i, c.page),
  'relay.replay': (i, c) => relayReplayCommand(i, c.target),
  inbox: (i, c) => inboxCommand(i, c.number, c.page),
  forget: (i, c) => forgetCommand(i, c.number),
  'alerts.list': (i, c) => alertsListCommand(i, c.page),
  'alerts.set': (i, c) => alertsSetCommand(i, c),
  'jobs.list': (i) => jobsListCommand(i),
  'jobs.run': (i, c) => jobsRunCommand(i, c.job),
  traffic: (i, c) => trafficCommand(i, c.args),
  'portsip.routes': (i, c) => portsipRoutesCommand(i, c),
  doctor: (i) => doctorCommand(i),
  'doctor.all': (i, c) => doctorCommand(i, { all: { page: c.page } }),
  'doctor.ignore': (i, c) => doctorIgnoreCommand(i, c),
  'doctor.unignore': (i, c) => doctorUnignoreCommand(i, c),
  'doctor.ignored': (i, c) => doctorIgnoredCommand(i, c),
};

function run<K extends SmsCommand['kind']>(
  interaction: Interaction,
  command: Extract<SmsCommand, { kind: K }>,
  triggerId: string,
) {
  return (handlers[command.kind] as Handlers[K])(interaction, command, triggerId);
}

/**
 * What each command may change, for what a stop that cuts it tells its person. Every kind is listed, so a new command
 * must say. `jobs.run` and `relay.replay` count as reaching out: a job may write to Wavix, a replay posts to PortSIP.
 */
const COMMAND_REACH: Record<SmsCommand['kind'], SlowPartReach> = {
  help: 'nothing',
  'senderid.create': 'nothing',
  'senderid.list': 'nothing',
  'senderid.status': 'nothing',
  'senderid.reject': 'database',
  // The question only; its "Delete" says what a stop cut (see senderIdDeleteActions.ts).
  'senderid.delete': 'nothing',
  'number.list': 'nothing',
  'number.enable-inbound': 'wavix',
  'webhook.set': 'wavix',
  'route.set': 'database',
  'route.list': 'nothing',
  'route.remove': 'database',
  audit: 'nothing',
  'relay.status': 'nothing',
  'relay.replay': 'wavix',
  inbox: 'nothing',
  // The question only; its "Remove" says what a stop cut (see forgetActions.ts).
  forget: 'nothing',
  'alerts.list': 'nothing',
  'alerts.set': 'database',
  'jobs.list': 'nothing',
  'jobs.run': 'wavix',
  traffic: 'nothing',
  doctor: 'nothing',
  'doctor.all': 'nothing',
  'doctor.ignore': 'database',
  'doctor.unignore': 'database',
  'doctor.ignored': 'nothing',
  'portsip.routes': 'nothing',
};

/**
 * `/sms …`: help and usage answer in the ack itself, to anyone (they tell nothing of the setup); everything else acks
 * at once (Slack's 3 seconds) and answers from the slow part, since it may wait on Wavix, and only to full members of
 * the workspace and the people the settings name (refusedToOutsider): `/sms` works in Slack Connect channels too.
 */
export function smsCommandListener(deps: SlackDeps) {
  return async ({ command, ack, respond, client }: SlackCommandMiddlewareArgs & AllMiddlewareArgs): Promise<void> => {
    const parsed = parseSmsCommand(command.text);
    if (!parsed.ok || parsed.command.kind === 'help') {
      const message = parsed.ok
        ? helpMessage(parsed.command.kind === 'help' ? parsed.command.topic : undefined)
        : usageMessage(parsed.problem, parsed.topic);
      await ack({ response_type: 'ephemeral', text: message.text, blocks: message.blocks });
      return;
    }
    await ack();
    const interaction: Interaction = {
      deps,
      actor: { userId: command.user_id },
      channelId: command.channel_id,
      client,
      reply: replier({ respond, client, channelId: command.channel_id, userId: command.user_id, logger: deps.logger }),
    };
    const parsedCommand = parsed.command;
    await slowPart(
      interaction,
      `run /sms ${clip(command.text, 40)}`,
      async () => {
        const refused = refusedToOutsider(interaction, parsedCommand.kind, `run /sms ${parsedCommand.kind.replace('.', ' ')}`);
        // The form's trigger_id lasts 3 s: it opens while the check is asked, and is filled only once it passed.
        if (parsedCommand.kind === 'senderid.create')
          return openSenderIdForm(interaction, command.trigger_id, parsedCommand.prefill, refused);
        if (await refused) return;
        await run(interaction, parsedCommand, command.trigger_id);
      },
      COMMAND_REACH[parsedCommand.kind],
      `run /sms ${parsedCommand.kind.replace('.', ' ')}`,
    );
  };
}
