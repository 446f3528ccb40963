import type { webApi } from '@slack/bolt';
import type { Notifier } from '../../src/core/ports/notifier.js';
import { createLogger } from '../../src/log.js';
import { createAnnouncements } from '../../src/slack/notifier/announcements.js';

/** The notifier's announcements, as the app builds them, saying things through `client` (a fake Slack). */
export function slackAnnouncements(client: webApi.WebClient, channel: string): Pick<Notifier, 'announce'> {
  return {
    announce: createAnnouncements({ slack: client, relaySlack: client, channel, logger: createLogger({ level: 'silent' }) }),
  };
}
