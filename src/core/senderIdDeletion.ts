import { AppError, err, ok, type Result } from '../errors.js';
import { checkMayChange, performChange } from './access.js';
import type { SenderIdRecord } from './model/senderId.js';
import { WavixCallFailure } from './ports/wavixFailure.js';
import { findSenderIds, whileDeleting } from './senderIds.js';
import type { Actor, SetupServices } from './services.js';
import { listInWords } from './wording.js';

/**
 * `/sms senderid delete`: withdrawing a Sender ID requested by mistake (a typo, the wrong countries) took the Wavix
 * portal; its pending countries stayed "pending" in smsops for weeks, until doctor failed on them. Wavix's delete is
 * permanent and takes the approved countries with it, so the command asks first (its button carries the Wavix id),
 * and only admins may press it.
 */
class SenderIdDeletionError extends AppError {}

const refusal = (why: string) => err(new SenderIdDeletionError(`senderid delete: ${why}`, why));

/**
 * The one Sender ID `query` (its text or Wavix id) names among those not deleted, read from Wavix first: the question
 * to ask. Members who may not change anything are refused (and audited) before it is asked.
 */
export async function senderIdToDelete(
  services: Pick<SetupServices, 'wavix' | 'senderIds' | 'adminUsers' | 'directory' | 'audit'>,
  actor: Actor,
  query: string,
): Promise<Result<SenderIdRecord>> {
  const allowed = await checkMayChange(services, actor, { action: 'senderid.delete', target: query });
  if (!allowed.ok) return allowed;
  const { records, staleBecause } = await findSenderIds(services, query);
  const live = records.filter((r) => r.deletedAt === null);
  const [only] = live;
  if (live.length === 1 && only) return ok(only);
  if (live.length === 0) {
    const stale = staleBecause ? ` (Wavix could not be read: ${staleBecause.userMessage})` : '';
    return refusal(
      records.length > 0
        ? `"${query}" is deleted already: \`/sms senderid status ${query}\` says when.`
        : `No Sender ID "${query}" is known${stale}: \`/sms senderid list\` shows them with their Wavix ids.`,
    );
  }
  const shown = live.slice(0, 10).map((r) => {
    const countries = r.countries.map((c) => `${c.country} ${c.status}`).join(', ') || 'no countries';
    return `Wavix id ${r.wavixId} (${r.type}; ${countries})`;
  });
  const more = live.length > shown.length ? ` and ${live.length - shown.length} more` : '';
  return refusal(
    `"${query}" matches ${live.length} Sender IDs: ${listInWords(shown)}${more}. Give the Wavix id of the one to delete, e.g. \`/sms senderid delete ${live[0]?.wavixId ?? '<Wavix id>'}\`.`,
  );
}

export interface SenderIdDeleted {
  record: SenderIdRecord;
  /** Wavix had no such Sender ID any more (deleted in its portal, or by a colleague's press a moment before). */
  alreadyGone: boolean;
}

/** Deletes it on Wavix, then records it deleted by the actor; the approval check announces it in the alert channel. */
export async function deleteSenderId(
  services: Pick<SetupServices, 'wavix' | 'senderIds' | 'adminUsers' | 'directory' | 'audit'>,
  actor: Actor,
  wavixId: string,
): Promise<Result<SenderIdDeleted>> {
  return performChange(services, actor, { action: 'senderid.delete', target: wavixId }, async () => {
    const before = services.senderIds.getByWavixId(wavixId);
    if (!before) return refusal(`No Sender ID with Wavix id ${wavixId} is known: \`/sms senderid list\` shows them.`);
    if (before.deletedAt !== null) return refusal(alreadyDeleted(before));
    return whileDeleting(services.senderIds, wavixId, async () => {
      let alreadyGone = false;
      try {
        await services.wavix.senderIds.delete(wavixId);
      } catch (error) {
        if (!(error instanceof WavixCallFailure) || error.kind !== 'not_found') throw error;
        alreadyGone = true;
      }
      // Wavix saying it has none left is a deletion too, but not this person's: said as found gone, like the portal's.
      const marked = services.senderIds.markDeleted(before.id, alreadyGone ? null : actor.userId);
      const record = services.senderIds.getByWavixId(wavixId) ?? before;
      if (!marked) return refusal(alreadyDeleted(record));
      return ok({ record, alreadyGone });
    });
  });
}

function alreadyDeleted(record: SenderIdRecord): string {
  return `${record.value} (Wavix id ${record.wavixId}) is deleted already; nothing more was done. \`/sms senderid status ${record.wavixId}\` says when and by whom.`;
}
