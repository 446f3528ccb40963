import { afterEach, describe, expect, it } from 'vitest';
import type { WavixSenderId } from '../../src/core/ports/wavix.js';
import { deleteSenderId } from '../../src/core/senderIdDeletion.js';
import { syncSenderIds } from '../../src/core/senderIds.js';
import { createAuditRepository } from '../../src/store/repositories/audit.js';
import { createSenderIdsRepository } from '../../src/store/repositories/senderIds.js';
import { createTempDb, type TempDb } from '../helpers/tempDb.js';

/**
 * `/sms senderid delete` while the Sender IDs are read from Wavix at the same time (the approval check every 10
 * minutes, a colleague's `/sms senderid list`): real SQLite, a Wavix whose answers the test lets through one by one.
 */
const ADMIN = 'U0ADMIN001';
const ACME: WavixSenderId = { id: 'sid-1', sender_id: 'Acmee', type: 'alphanumeric', allowlisted_in: [] };

let tmp: TempDb | undefined;
afterEach(() => {
  tmp?.cleanup();
  tmp = undefined;
});

function deferred<T>() {
  let resolve: (value: T) => void = () => {};
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

function rig() {
  tmp = createTempDb();
  const senderIds = createSenderIdsRepository(tmp.db, tmp.clock.now);
  const audit = createAuditRepository(tmp.db, tmp.clock.now);
  senderIds.upsert({ wavixId: ACME.id, value: ACME.sender_id, type: 'alphanumeric', origin: 'smsops', requestedBy: ADMIN });
  const deleting = deferred<void>();
  const listing = deferred<WavixSenderId[]>();
  const wavix = {
    senderIds: { delete: () => deleting.promise, list: () => listing.promise, create: async () => ACME },
  } as never;
  const services = { wavix, senderIds, audit, adminUsers: [ADMIN], directory: {} as never };
  return { services, senderIds, deleting, listing };
}

const turn = () => new Promise((resolve) => setImmediate(resolve));

describe('/sms senderid delete racing a read of the Sender IDs', () => {
  it('says who deleted it when the read saw it gone before Wavix answered the delete', async () => {
    const { services, senderIds, deleting, listing } = rig();
    const pressed = deleteSenderId(services, { userId: ADMIN }, ACME.id);
    await turn();
    // Wavix deleted it; a read made meanwhile no longer lists it, and is answered before the delete is.
    const read = syncSenderIds(services);
    listing.resolve([]);
    await read;
    deleting.resolve();
    const result = await pressed;
    expect(result.ok, result.ok ? '' : result.error.userMessage).toBe(true);
    expect(senderIds.getByWavixId(ACME.id)?.deletedBy).toBe(ADMIN);
  });

  it('keeps it deleted when a read Wavix answered from before the delete comes in after it', async () => {
    const { services, senderIds, deleting, listing } = rig();
    const read = syncSenderIds(services);
    await turn();
    const pressed = deleteSenderId(services, { userId: ADMIN }, ACME.id);
    await turn();
    deleting.resolve();
    expect((await pressed).ok).toBe(true);
    // The read's list was made before the delete: it still names the Sender ID.
    listing.resolve([ACME]);
    await read;
    const record = senderIds.getByWavixId(ACME.id);
    expect(record?.deletedAt).not.toBeNull();
    expect(record?.deletedBy).toBe(ADMIN);
  });
});
