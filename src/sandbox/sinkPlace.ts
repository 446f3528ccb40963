import { randomUUID } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { z } from 'zod';
import { type PortsipSink, startPortsipSink } from './portsipSink.js';

/**
 * Where the PortSIP stand-in listens, kept beside the sandbox database (`<database>.portsip-sink.json`): routes and
 * the webhook URL saved in that database name the stand-in's port, so a restart that picked a new free port would
 * leave them pointing at nothing. The saved port is reused when it is free; when it is not, a new one is taken and
 * the caller says so.
 */
const saved = z.object({ port: z.number().int().min(1).max(65535), webhookPath: z.string().startsWith('/') });
type SavedPlace = z.infer<typeof saved>;

export interface PlacedSink {
  sink: PortsipSink;
  /** The path PortSIP's "Copy Webhook" would show, kept too so the whole URL stays the same. */
  webhookPath: string;
  /** kept: the last run's port; first: nothing was saved; busy: the saved port was taken by something else. */
  port: 'kept' | 'first' | { busy: number };
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
  if (file) mkdirSync(dirname(file), { recursive: true }); // before the store creates it: the sink starts first
  if (file) writeFileSync(file, `${JSON.stringify({ port: Number(new URL(sink.url).port), webhookPath })}\n`);
  return { sink, webhookPath, port };
}
