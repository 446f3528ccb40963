import { renderBlock } from './blocks.js';
import { api, busy, byId, clock, el } from './dom.js';
import type { ActionRequest, EmulatorView, Home, ReceivedRequest } from './types.js';

export function renderHome(home: Home | null): void {
  if (!home) return;
  const send = (action: ActionRequest) => api(`views/${encodeURIComponent(home.id)}/actions`, { ...action, values: {} });
  byId('home').replaceChildren(
    el(
      'div',
      { class: 'item' },
      el('div', { class: 'avatar', text: 'S' }),
      el(
        'div',
        { class: 'blocks' },
        (home.view.blocks ?? []).map((b, i) => renderBlock(b, i, send)),
      ),
    ),
  );
}

export function showTab(name: 'feed' | 'home'): void {
  const home = name === 'home';
  byId('feed').hidden = home;
  byId('home').hidden = !home;
  for (const [id, active] of [
    ['tab-feed', !home],
    ['tab-home', home],
  ] as const) {
    const tab = byId(id);
    tab.classList.toggle('active', active);
    tab.setAttribute('aria-selected', String(active));
  }
  // Slack tells the app each time the person opens its Home tab.
  if (home) busy(null, 'status', () => api('home', {}));
}

/** What the stand-in PBX received, newest first, byte for byte. */
export function renderPortsip(received: ReceivedRequest[]): void {
  const node = byId('portsip');
  if (received.length === 0) {
    node.replaceChildren(el('p', { class: 'empty', text: 'Nothing yet.' }));
    return;
  }
  node.replaceChildren(
    ...[...received]
      .reverse()
      .map((r) =>
        el(
          'div',
          { class: 'received', 'data-testid': 'portsip-request' },
          el('div', { class: 'received-head' }, el('b', { text: r.method }), ` ${r.path}`),
          el('div', { class: 'received-head', text: `Content-Type: ${r.contentType ?? '(none)'} · ${clock(r.at)}` }),
          el('pre', { class: 'raw', 'data-testid': 'portsip-body', text: r.body }),
        ),
      ),
  );
}

export function renderEmulator(emulator: EmulatorView): void {
  const lines = [
    el('p', { class: 'emu-line', text: `Inbound SMS webhook (account default): ${emulator.inboundWebhook ?? 'not set'}` }),
    el('p', { class: 'emu-line', text: `SMS-enabled numbers: ${emulator.smsNumbers.map((n) => n.display).join(', ')}` }),
  ];
  if (emulator.pendingSenderIds.length === 0) {
    lines.push(el('p', { class: 'emu-line', text: 'No Sender ID waits for a carrier review.' }));
  }
  for (const sender of emulator.pendingSenderIds) {
    const line = el(
      'p',
      { class: 'emu-line', 'data-testid': 'pending-sender-id' },
      `${sender.senderId} (${sender.type}) waits for review in `,
    );
    for (const country of sender.pending) {
      const decide = (verdict: 'approve' | 'reject') => {
        const button = el(
          'button',
          { type: 'button', 'data-country': country, 'data-verdict': verdict, class: verdict === 'reject' ? 'danger' : '' },
          `${verdict === 'approve' ? 'Approve' : 'Reject'} ${country}`,
        );
        button.addEventListener('click', () =>
          busy(button, 'status', () => api(`sender-ids/${encodeURIComponent(sender.id)}/${verdict}`, { country })),
        );
        return button;
      };
      line.append(el('b', { text: country }), decide('approve'), decide('reject'), ' ');
    }
    lines.push(line);
  }
  byId('emulator').replaceChildren(...lines);

  const to = document.querySelector<HTMLSelectElement>('#inbound select[name="to"]');
  if (!to) return;
  const wanted = emulator.smsNumbers.map((n) => n.e164).join(',');
  if (to.dataset.numbers !== wanted) {
    const previous = to.value;
    to.replaceChildren(...emulator.smsNumbers.map((n) => el('option', { value: n.e164 }, `${n.display} (${n.country})`)));
    if (previous && wanted.split(',').includes(previous)) to.value = previous;
    to.dataset.numbers = wanted;
  }
}
