// The sandbox console: polls /sandbox/api/state and draws what smsops sent to the fake Slack (Block Kit as HTML),
// the PortSIP sink and the emulator; every click goes back through /sandbox/api/, which signs it like Slack would.
// Text from smsops or from an SMS is only ever put in the page through textContent or renderMrkdwn, which
// HTML-escapes everything it does not itself produce. Bundled for the browser by consolePage.ts (esbuild).
import { api, busy, byId, mrkdwn, names, setStatus } from './dom.js';
import { renderFeed, threadReplies } from './feedView.js';
import { renderModal } from './modal.js';
import { renderEmulator, renderHome, renderPortsip, showTab } from './panels.js';
import { showActingAs, wireSandboxControls } from './sandboxControls.js';
import type { ConsoleState, Workspace } from './types.js';

declare global {
  interface Window {
    /** For the sandbox's own browser test: the renderer, to feed it hostile text directly. */
    smsopsSandbox?: { renderMrkdwn: (text: unknown) => string };
  }
}

const POLL_MS = 700;

let workspace: Workspace | null = null;
const last = new Map<string, string>();
const changed = (key: string, value: unknown): boolean => {
  const json = JSON.stringify(value);
  if (last.get(key) === json) return false;
  last.set(key, json);
  return true;
};

async function poll(): Promise<void> {
  try {
    const state = await api<ConsoleState>('state');
    if (!workspace) {
      workspace = state.workspace;
      names.channels = { ...workspace.channels };
      threadReplies.channel = workspace.inboxChannel;
      names.users = { [workspace.user.id]: workspace.user.name, [workspace.bot.id]: workspace.bot.name };
      const from = document.querySelector<HTMLInputElement>('#inbound input[name="from"]');
      if (from && !from.value) from.value = workspace.defaultSmsSender;
    }
    if (changed('items', state.items)) renderFeed(state.items);
    if (changed('modal', state.modal)) renderModal(byId('modal'), state.modal);
    if (changed('home', state.home)) renderHome(state.home);
    if (changed('portsip', state.portsip)) renderPortsip(state.portsip);
    if (changed('emulator', state.emulator)) renderEmulator(state.emulator);
    if (changed('actingAs', state.actingAs)) showActingAs(state.actingAs);
    document.body.dataset.ready = 'true';
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    setStatus('status', `The sandbox does not answer (${reason}); is it still running?`, true);
  } finally {
    setTimeout(poll, POLL_MS);
  }
}

byId<HTMLFormElement>('composer').addEventListener('submit', (event) => {
  event.preventDefault();
  const input = byId<HTMLInputElement>('command');
  const text = input.value.trim();
  if (text === '' || text === '/sms') return;
  busy(byId<HTMLFormElement>('composer').querySelector('button'), 'status', async () => {
    setStatus('status', '');
    await api('command', { text });
    input.value = '/sms ';
  });
});

const inbound = byId<HTMLFormElement>('inbound');
inbound.addEventListener('submit', (event) => {
  event.preventDefault();
  const field = (name: string) => (inbound.elements.namedItem(name) as HTMLInputElement | HTMLSelectElement | null)?.value ?? '';
  const media = field('media')
    .split('\n')
    .map((url) => url.trim())
    .filter((url) => url !== '');
  const sms = { from: field('from'), to: field('to'), text: field('text'), ...(media.length > 0 ? { media } : {}) };
  busy(inbound.querySelector('button'), 'inbound-status', async () => {
    setStatus('inbound-status', 'Sending…');
    const result = await api<{ error?: string; webhookStatus?: number }>('inbound', sms);
    if (result.error) setStatus('inbound-status', `Not taken: ${result.error}`, true);
    else setStatus('inbound-status', `Wavix posted it to smsops: HTTP ${result.webhookStatus ?? '—'}`);
  });
});

byId('tab-feed').addEventListener('click', () => showTab('feed'));
byId('tab-home').addEventListener('click', () => showTab('home'));

wireSandboxControls();
window.smsopsSandbox = { renderMrkdwn: mrkdwn };
poll();
