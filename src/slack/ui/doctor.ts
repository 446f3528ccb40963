import type { CheckStatus, DoctorCheck, DoctorFixAction, DoctorReport } from '../../core/doctor/types.js';
import { summaryLine } from '../../core/doctor.js';
import { ACTION } from '../ids.js';
import { type Block, button, context, escapeMrkdwn, type SlackMessage, section } from './text.js';

const ICON: Record<CheckStatus, string> = {
  ok: ':white_check_mark:',
  warning: ':warning:',
  failure: ':x:',
  skipped: ':heavy_minus_sign:',
};

/** Doctor's fixes are the buttons `/sms number list` already has: same actions, same handlers, same confirmations. */
const FIX_ACTION: Record<DoctorFixAction, string> = {
  enable_inbound: ACTION.enableInbound,
  point_webhook_at_smsops: ACTION.pointWebhookAtSmsops,
};

/** What is broken first, then what needs a look, then the rest; within each, the order of the chain. */
const ORDER: Record<CheckStatus, number> = { failure: 0, warning: 1, ok: 2, skipped: 3 };

/** Slack allows 50 blocks; two are the header and a possible overflow line. */
const MAX_CHECK_BLOCKS = 47;

function checkBlock(check: DoctorCheck): Block {
  const text = `${ICON[check.status]} *${escapeMrkdwn(check.title)}*\n${escapeMrkdwn(check.reason)}`;
  const block = section(text, `doctor:${check.id}`.slice(0, 255));
  if (!check.fix || block.type !== 'section') return block;
  return {
    ...block,
    accessory: button({
      text: check.fix.label,
      actionId: FIX_ACTION[check.fix.actionId],
      value: check.fix.value,
      style: 'primary',
    }),
  };
}

export function doctorCheckingMessage(): SlackMessage {
  const text = 'Checking the SMS setup… (Wavix, numbers, Sender IDs, webhooks, public URL, PortSIP, relay, Slack channels)';
  return { text, blocks: [section(`:stethoscope: ${escapeMrkdwn(text)}`)] };
}

export function doctorMessage(report: DoctorReport): SlackMessage {
  const summary = summaryLine(report.counts);
  const sorted = [...report.checks].sort((a, b) => ORDER[a.status] - ORDER[b.status]);
  const shown = sorted.slice(0, MAX_CHECK_BLOCKS);
  const hidden = sorted.slice(MAX_CHECK_BLOCKS);
  const blocks: Block[] = [section(`:stethoscope: *SMS doctor*: ${summary}`), ...shown.map(checkBlock)];
  if (hidden.length > 0) {
    // Only ok or skipped checks end up here unless there are more than 47 problems; either way they are named.
    blocks.push(context(`${hidden.length} more: ${hidden.map((c) => `${ICON[c.status]} ${escapeMrkdwn(c.title)}`).join(' · ')}`));
  }
  return { text: `SMS doctor: ${summary}`, blocks };
}
