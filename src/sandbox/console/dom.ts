import { plainTextShown } from './emoji.js';
import { type MentionNames, renderMrkdwn } from './mrkdwn.js';
import type { TextObject } from './types.js';

/** Names for mentions, filled from the workspace on the first poll. */
export const names: MentionNames = { users: {}, channels: {} };

export const mrkdwn = (text: unknown): string => renderMrkdwn(text, names);

type Attr = string | number | boolean | null | undefined | EventListener;
type Child = Node | string | null | undefined | Child[];

/** An element; `html` takes only renderMrkdwn's output, `text` sets textContent, `on…` adds a listener. */
export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Record<string, Attr> = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === 'class') node.className = String(value);
    else if (key === 'text') node.textContent = String(value);
    else if (key === 'html') node.innerHTML = String(value);
    else if (key.startsWith('on') && typeof value === 'function') node.addEventListener(key.slice(2), value);
    else if (value === true) node.setAttribute(key, '');
    else node.setAttribute(key, String(value));
  }
  for (const child of (children as unknown[]).flat(Number.POSITIVE_INFINITY) as Array<Node | string | null | undefined>) {
    if (child !== null && child !== undefined) node.append(child);
  }
  return node;
}

/** The page's own element by id: the page's HTML has them all, so a missing one is a bug worth failing on. */
export function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  const node = document.getElementById(id);
  if (!node) throw new Error(`the console page has no #${id}`);
  return node as T;
}

export const plainText = (object: TextObject | undefined): string => plainTextShown(object);

/** A text object: mrkdwn rendered safely, plain_text as text. */
export function textObject(object: TextObject | undefined, className = 'mrkdwn'): HTMLElement {
  if (!object) return el('span');
  if (object.type === 'mrkdwn') return el('div', { class: className, html: mrkdwn(object.text) });
  return el('div', { class: className, text: plainTextShown(object) });
}

export const clock = (at: number): string =>
  new Date(at).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit' });

export function setStatus(id: string, message: string, isError = false): void {
  const node = byId(id);
  node.textContent = message;
  node.classList.toggle('error', isError);
}

/** Runs a click's request with its control disabled; a failure is shown in the status line. */
export async function busy(
  control: HTMLButtonElement | HTMLSelectElement | null,
  statusId: string,
  work: () => Promise<unknown>,
): Promise<void> {
  if (control) control.disabled = true;
  try {
    await work();
  } catch (error) {
    setStatus(statusId, error instanceof Error ? error.message : String(error), true);
  } finally {
    if (control) control.disabled = false;
  }
}

/** A call to the console's API: GET without a body, else a JSON POST. */
export async function api<T = Record<string, unknown>>(path: string, body?: unknown): Promise<T> {
  const response = await fetch(`/sandbox/api/${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const json = (await response.json().catch(() => ({}))) as { error?: string };
  if (!response.ok) throw new Error(json.error || `HTTP ${response.status}`);
  return json as T;
}
