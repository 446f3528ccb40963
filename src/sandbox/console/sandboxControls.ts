import { api, busy, byId, setStatus } from './dom.js';

/**
 * The console's own controls, apart from what smsops drew: who the person acts as, and the emulator's traffic
 * button. Wired once; the state poll only reflects who is acting.
 */
export function wireSandboxControls(): void {
  for (const radio of document.querySelectorAll<HTMLInputElement>('input[name="identity"]')) {
    radio.addEventListener('change', () => {
      if (radio.checked) busy(null, 'status', () => api('identity', { as: radio.value }));
    });
  }
  const traffic = byId<HTMLButtonElement>('outbound-traffic');
  traffic.addEventListener('click', () =>
    busy(traffic, 'emulator-status', async () => {
      const count = Number(traffic.dataset.count);
      const failureRate = Number(traffic.dataset.failureRate);
      const sent = await api<{ count: number; failing: number }>('outbound-traffic', { count, failureRate });
      setStatus(
        'emulator-status',
        `Wavix sent ${sent.count}; ${sent.failing} will fail. Delivery reports follow within seconds.`,
      );
    }),
  );
}

/** Keeps the identity radios on what the sandbox says (another tab may have switched). */
export function showActingAs(actingAs: string | undefined): void {
  for (const radio of document.querySelectorAll<HTMLInputElement>('input[name="identity"]')) {
    radio.checked = radio.value === (actingAs ?? 'admin');
  }
}
