import { createLogger } from '../../log.js';
import { isLoopbackHost } from '../mode.js';
import { DEFAULT_EMULATOR_KEY, startWavixEmulator } from './server.js';

/** `npm run emulator`: the Wavix emulator on its own, for trying smsops (or curl) against a fake Wavix. */
const host = process.env.HOST?.trim() || '127.0.0.1';
// HOST is also smsops' own variable (0.0.0.0 in many shells and containers): off loopback, the admin routes (every
// SMS, injecting SMS) want the API key like the rest, since the default key is printed in the README (a probe).
const exposed = !isLoopbackHost(host);
const emulator = await startWavixEmulator({
  host,
  adminNeedsKey: exposed,
  port: Number(process.env.PORT ?? 4010),
  apiKey: process.env.WAVIX_EMULATOR_KEY ?? DEFAULT_EMULATOR_KEY,
  // A PBX's account: that many voice-only US DIDs besides the seed (e.g. 300, to see doctor and the lists at scale).
  pbxDids: Number(process.env.WAVIX_EMULATOR_PBX_DIDS ?? 0),
  logger: createLogger({ level: 'info' }),
});

process.stdout.write(
  [
    'Wavix emulator (not Wavix: a local stand-in with seeded numbers, Sender IDs and 10DLC data)',
    `  URL:     ${emulator.url}      (set WAVIX_API_URL to this)`,
    `  API key: ${emulator.apiKey}   (set WAVIX_API_KEY to this)`,
    '  Admin:   GET  /_emulator/state · POST /_emulator/inbound {from,to,text,media}',
    '           POST /_emulator/dlr {message_id,status} · POST /_emulator/clock/advance {ms}',
    '           POST /_emulator/sender-ids/:id/approve|reject {countries,reason} · POST|DELETE /_emulator/faults',
    ...(exposed
      ? [
          `  Listening beyond this machine (HOST=${host}): /_emulator/ wants the API key too (Authorization: Bearer …); set WAVIX_EMULATOR_KEY to a key of your own, the default one is public`,
        ]
      : []),
    '',
  ].join('\n'),
);

const stop = () => {
  emulator.close().then(() => process.exit(0));
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
