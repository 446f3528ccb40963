import { AccessDeniedError } from '../../core/access.js';
import { InputError } from '../../core/inputError.js';
import type { AppError } from '../../errors.js';
import { WavixError } from '../../wavix/errors.js';
import { clip, context, escapeMrkdwn, type SlackMessage, section } from './text.js';

/**
 * An error as a person reads it: the user message (never the technical one, which may name internals), and for
 * Wavix a hint of what to do. Nothing here can carry a secret: user messages are written not to.
 */
export function errorMessage(error: AppError, doing?: string, options: { readOnly?: boolean } = {}): SlackMessage {
  const lead = doing ? `Could not ${doing}.` : 'That did not work.';
  const icon = error instanceof AccessDeniedError ? ':no_entry:' : ':warning:';
  const blocks = [section(`${icon} *${escapeMrkdwn(lead)}*\n${escapeMrkdwn(error.userMessage)}`)];
  if (error instanceof InputError && error.problems.length > 1) {
    blocks.splice(
      0,
      1,
      section(`${icon} *${escapeMrkdwn(lead)}*\n${error.problems.map((p) => `• ${escapeMrkdwn(p.message)}`).join('\n')}`),
    );
  }
  // A read asked Wavix to change nothing: after a timeout too, running it again is all there is to do.
  const safeAgain = ['server', 'network', 'rate_limited', ...(options.readOnly ? ['timeout'] : [])];
  if (error instanceof WavixError && safeAgain.includes(error.kind)) {
    blocks.push(context('It is safe to run the command again.'));
  }
  if (error instanceof WavixError && error.kind === 'timeout' && !options.readOnly) {
    // A request that timed out may still have been applied by Wavix: look before trying again.
    blocks.push(
      context(
        'Wavix may still have applied it: check its current state (`/sms senderid list`, `/sms number list`) before trying again.',
      ),
    );
  }
  // The notification text is clipped like the blocks: a message may quote what was typed, which can be 40,000 characters.
  return { text: clip(escapeMrkdwn(`${lead} ${error.userMessage}`), 2_900), blocks };
}
