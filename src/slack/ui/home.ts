import type { types } from '@slack/bolt';
import type { RoutesOverview } from '../../core/routes.js';
import type { SenderIdRecord } from '../../store/repositories/senderIds.js';
import { ACTION } from '../ids.js';
import { routeListMessage } from './routes.js';
import { senderIdLabel } from './senderIds.js';
import { type Block, button, context, section } from './text.js';

export interface HomeState {
  senderIds: readonly SenderIdRecord[];
  routes: RoutesOverview;
}

function senderIdSummary(record: SenderIdRecord): string {
  const by = (status: string) => record.countries.filter((c) => c.status === status).map((c) => c.country);
  const parts = [
    by('approved').length > 0 ? `approved ${by('approved').join(', ')}` : '',
    by('pending').length > 0 ? `pending ${by('pending').join(', ')}` : '',
    by('rejected').length > 0 ? `rejected ${by('rejected').join(', ')}` : '',
  ].filter(Boolean);
  return `• *${senderIdLabel(record)}* (${record.type}): ${parts.join(' · ') || 'no countries'}`;
}

/** The App Home tab: the setup at a glance, from the store only (opening it never waits on Wavix). */
export function homeView(state: HomeState): types.HomeView {
  const blocks: Block[] = [
    { type: 'header', text: { type: 'plain_text', text: 'smsops' } },
    section(
      state.senderIds.length > 0
        ? `*Sender IDs*\n${state.senderIds.slice(0, 30).map(senderIdSummary).join('\n')}`
        : '*Sender IDs*\nNone known yet. `/sms senderid list` reads them from Wavix.',
    ),
    { type: 'actions', elements: [button({ text: 'Request a Sender ID', actionId: ACTION.openSenderIdForm, value: 'home' })] },
    { type: 'divider' },
    ...routeListMessage(state.routes).blocks,
    { type: 'divider' },
    context('`/sms help` lists every command. `/sms number list` shows each number and where its SMS go.'),
  ];
  return { type: 'home', blocks };
}
