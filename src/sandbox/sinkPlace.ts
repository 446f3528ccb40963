import { randomUUID } from 'node:crypto';
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { z } from 'zod';
import { describeError } from '../errors.js';
import { type PortsipSink, startPortsipSink } from './portsipSink.js';

/**
 * Where the PortSIP stand-in listens, kept beside the sandbox database (`<database>.portsip-sink.json`): routes and
 * the webhook URL saved in that database name the stand-in's port, so a restart that picked a new free port would
 * leave them pointing at nothing. The saved port is reused when it is free; when it is not, a new one is taken and
 * the caller says so.
 *
 * The port is saved only by `save`, once this sandbox holds the database's instance lease: a second start refused
 * because another one runs on it finds the saved port busy (that one listens there) and must not save its own, or
 * the next run would move away from the port the saved routes name. By then the store has also made the database's
 * folder, with the mode it gives it (src/store/fileModes.ts).
 */
const saved = z.object({ port: z.number().int().min(1).max(65535), webhookPath: z.string().startsWith('/') });
type SavedPlace = z.infer<typeof saved>;

export interface PlacedSink {
  sink: PortsipSink;
  /** The path PortSIP's "Copy Webhook" would show, kept too so the whole URL stays the same. */
  webhookPath: string;
  /** kept: the last run's port; first: nothing was saved; busy: the saved port was taken by something else. */
  port: 'kept' | 'first' | { busy: number };
  /** Saves where the stand-in listens for the next run; the reason when the file could not be written. */
  save(): { ok: true } | { ok: false; reason: string };
}

export const sinkPlaceFile = (databasePath: string): string | undefined =>
  databasePath === ':memory:' || databasePath === '' ? undefined : `${databasePath}.portsip-sink.json`;

function readPlace(file: string | undefined): SavedPlace | undefined {
  if (!file) return undefined;
  try {
    const parsed = saved.safeParse(JSON.parse(readFileSync(file, 'utf8')));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined; // no file yet, or one a person broke: start afresh, as on a first run
  }
}

const isAddressInUse = (error: unknown) => (error as NodeJS.ErrnoException | undefined)?.code === 'EADDRINUSE';

export async function startPlacedSink(databasePath: string): Promise<PlacedSink> {
  const file = sinkPlaceFile(databasePath);
  const before = readPlace(file);
  // Shaped like the URL PortSIP shows (a configuration name with spaces, then a per-configuration UUID).
  const webhookPath = before?.webhookPath ?? `/emc/Wavix - Sandbox/${randomUUID()}`;
  let sink: PortsipSink | undefined;
  let port: PlacedSink['port'] = 'first';
  if (before) {
    try {
      sink = await startPortsipSink({ port: before.port });
      port = 'kept';
    } catch (error) {
      if (!isAddressInUse(error)) throw error;
      port = { busy: before.port };
    }
  }
  sink ??= await startPortsipSink();
  const place = `${JSON.stringify({ port: Number(new URL(sink.url).port), webhookPath })}\n`;
  const save = (): { ok: true } | { ok: false; reason: string } => {
    if (!file) return { ok: true };
    try {
      // 0600 like the database beside it: the webhook path in it is what the sandbox's PortSIP stand-in accepts.
      writeFileSync(file, place, { mode: 0o600 });
      chmodSync(file, 0o600); // a file an earlier smsops wrote keeps its mode through writeFileSync

      return { ok: true };
    } catch (error) {
      return { ok: false, reason: describeError(error) };
    }
  };
  return { sink, webhookPath, port, save };
}
