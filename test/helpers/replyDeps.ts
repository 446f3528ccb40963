import type { ReplyFromThreadDeps } from '../../src/core/conversations/replyFromThread.js';
import type { ReplyNotifier } from '../../src/core/ports/replyNotifier.js';
import { silentLogger } from '../../src/log.js';
import type { WavixEmulator } from '../../src/sandbox/emulator/server.js';
import type { Repositories } from '../../src/store/openStore.js';
import { createWavixClient } from '../../src/wavix/client.js';
import { isOptedOutRefusal } from '../../src/wavix/optOuts.js';
import { everyoneAdminDirectory } from './directory.js';

/** What the reply use case needs, over a real store and the Wavix emulator: everyone may reply, nobody is listed. */
export function replyDepsOver(
  repositories: Repositories,
  emulator: WavixEmulator,
  notifier: ReplyNotifier,
  options: { wavixTimeoutMs?: number } = {},
): ReplyFromThreadDeps {
  return {
    threads: repositories.slackThreads,
    processedEvents: repositories.processedSlackEvents,
    replies: repositories.conversationReplies,
    optOuts: repositories.optOuts,
    audit: repositories.audit,
    directory: everyoneAdminDirectory,
    replyUsers: [],
    tenDlc: repositories.tenDlc,
    wavix: createWavixClient({
      baseUrl: emulator.url,
      apiKey: emulator.apiKey,
      logger: silentLogger,
      ...(options.wavixTimeoutMs ? { timeoutMs: options.wavixTimeoutMs } : {}),
    }),
    isOptedOutRefusal,
    dlrCallbackUrl: null,
    notifier,
    logger: silentLogger,
  };
}
