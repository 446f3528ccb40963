import { optionFor, renderBlock, selectElement } from './blocks.js';
import { api, busy, el, plainText } from './dom.js';
import type { ActionRequest, Block, BlockElement, Modal, SelectOption, View } from './types.js';

/** One input's state in Slack's `view.state.values` shape. */
interface InputState {
  type: string;
  value?: string | null;
  selected_option?: SelectOption | null;
  selected_options?: SelectOption[];
}

let shownModal: { id: string; version: number } | null = null;

/** Asks smsops for an external_select's options, as Slack does with a signed block_suggestion. */
type Suggest = (blockId: string, actionId: string, value: string) => Promise<Pick<BlockElement, 'options' | 'option_groups'>>;

/** An external_select: a search box whose text is sent for options, and the options it answers in a select. */
function externalSelect(element: Partial<BlockElement>, blockId: string, name: string, label: string, suggest: Suggest) {
  const search = el('input', {
    type: 'search',
    placeholder: plainText(element.placeholder) || 'Type to search',
    'aria-label': `${label}: search`,
  });
  const initial = element.initial_option;
  let select = selectElement({ type: 'external_select', ...(initial ? { options: [initial], initial_option: initial } : {}) });
  select.name = name;
  select.setAttribute('aria-label', label);
  const load = async () => {
    if (search.value.length < (element.min_query_length ?? 1)) return;
    const answer = await suggest(blockId, element.action_id ?? '', search.value);
    const kept = select.value;
    const next = selectElement({ type: 'external_select', ...answer });
    next.name = name;
    next.setAttribute('aria-label', label);
    if ([...next.options].some((o) => o.value === kept)) next.value = kept;
    select.replaceWith(next);
    select = next;
  };
  let timer: ReturnType<typeof setTimeout> | undefined;
  search.addEventListener('input', () => {
    clearTimeout(timer);
    timer = setTimeout(() => void load(), 250);
  });
  void load();
  return [search, select];
}

function inputElement(block: Block, blockId: string, suggest?: Suggest): HTMLElement {
  const element: Partial<BlockElement> = block.element ?? {};
  const wrap = el('div', { class: 'input-control', 'data-type': element.type });
  const name = `${blockId}.${element.action_id}`;
  switch (element.type) {
    case 'plain_text_input': {
      const attrs = {
        name,
        placeholder: plainText(element.placeholder) || undefined,
        maxlength: element.max_length,
        'aria-label': plainText(block.label),
      };
      const input = element.multiline ? el('textarea', { ...attrs, rows: 4 }) : el('input', { ...attrs, type: 'text' });
      input.value = element.initial_value ?? '';
      wrap.append(input);
      break;
    }
    case 'static_select':
    case 'multi_static_select': {
      const select = selectElement(element as BlockElement, { multiple: element.type === 'multi_static_select' });
      select.setAttribute('aria-label', plainText(block.label));
      select.name = name;
      wrap.append(select);
      if (element.type === 'multi_static_select')
        wrap.append(el('div', { class: 'hint', text: 'Ctrl/⌘-click to choose several.' }));
      break;
    }
    case 'external_select': {
      if (suggest) wrap.append(...externalSelect(element, blockId, name, plainText(block.label), suggest));
      break;
    }
    case 'radio_buttons':
    case 'checkboxes': {
      const kind = element.type === 'radio_buttons' ? 'radio' : 'checkbox';
      const initial = new Set(
        element.type === 'radio_buttons'
          ? element.initial_option
            ? [element.initial_option.value]
            : []
          : (element.initial_options ?? []).map((o) => o.value),
      );
      for (const o of element.options ?? []) {
        wrap.append(
          el(
            'label',
            { class: 'choice' },
            el('input', { type: kind, name, value: o.value, checked: initial.has(o.value) }),
            el('span', { text: plainText(o.text) }),
          ),
        );
      }
      break;
    }
    default:
      wrap.append(el('div', { class: 'block-unknown', text: `[${element.type} input: not drawn by the sandbox]` }));
  }
  return wrap;
}

const chosen = (element: BlockElement, values: string[]) =>
  values.map((v) => optionFor(element, v)).filter((o): o is SelectOption => o !== null);

function stateOf(element: BlockElement, control: HTMLElement): InputState | null {
  switch (element.type) {
    case 'plain_text_input': {
      const value = control.querySelector<HTMLInputElement | HTMLTextAreaElement>('input, textarea')?.value ?? '';
      return { type: element.type, value: value === '' ? null : value };
    }
    case 'static_select': {
      const value = control.querySelector('select')?.value ?? '';
      return { type: element.type, selected_option: value ? optionFor(element, value) : null };
    }
    case 'external_select': {
      // The options came from smsops, not from the view: the chosen one is read from the select itself.
      const option = control.querySelector('select')?.selectedOptions[0];
      return {
        type: element.type,
        selected_option: option?.value ? { text: { type: 'plain_text', text: option.text }, value: option.value } : null,
      };
    }
    case 'multi_static_select': {
      const values = [...(control.querySelector('select')?.selectedOptions ?? [])].map((o) => o.value);
      return { type: element.type, selected_options: chosen(element, values) };
    }
    case 'radio_buttons': {
      const checked = control.querySelector<HTMLInputElement>('input:checked');
      return { type: element.type, selected_option: checked ? optionFor(element, checked.value) : null };
    }
    case 'checkboxes': {
      const values = [...control.querySelectorAll<HTMLInputElement>('input:checked')].map((i) => i.value);
      return { type: element.type, selected_options: chosen(element, values) };
    }
    default:
      return null;
  }
}

function stateValues(view: View, form: HTMLFormElement): Record<string, Record<string, InputState>> {
  const values: Record<string, Record<string, InputState>> = {};
  (view.blocks ?? []).forEach((block, index) => {
    const element = block.element;
    if (block.type !== 'input' || !element?.action_id) return;
    const blockId = block.block_id ?? `b${index}`;
    const control = form.querySelector<HTMLElement>(`[data-block-id="${CSS.escape(blockId)}"] .input-control`);
    const state = control ? stateOf(element, control) : null;
    if (state) values[blockId] = { [element.action_id]: state };
  });
  return values;
}

function showErrors(form: HTMLFormElement, errors: Record<string, string>): void {
  for (const node of form.querySelectorAll<HTMLElement>('.input-block')) {
    const message = errors[node.dataset.blockId ?? ''];
    node.classList.toggle('invalid', Boolean(message));
    const error = node.querySelector('.field-error');
    if (error) error.textContent = message ?? '';
  }
}

/** Slack keeps what was entered in inputs whose block and action ids survive an update. */
function restore(form: HTMLFormElement, kept: FormData): void {
  for (const field of form.querySelectorAll<HTMLInputElement | HTMLTextAreaElement | HTMLSelectElement>(
    'input[name], textarea[name], select[name]',
  )) {
    if (!kept.has(field.name)) continue;
    const values = kept.getAll(field.name).map(String);
    if (field instanceof HTMLInputElement && (field.type === 'radio' || field.type === 'checkbox')) {
      field.checked = values.includes(field.value);
    } else if (field instanceof HTMLSelectElement && field.multiple) {
      for (const o of field.options) o.selected = values.includes(o.value);
    } else field.value = values[0] ?? '';
  }
}

function actionOf(element: BlockElement, control: HTMLElement): Omit<ActionRequest, 'blockId' | 'actionId'> {
  const state: Partial<InputState> = stateOf(element, control) ?? {};
  return {
    type: element.type,
    ...(state.selected_option ? { selectedOption: state.selected_option } : {}),
    ...(state.selected_options ? { selectedOptions: state.selected_options } : {}),
    ...(typeof state.value === 'string' ? { value: state.value } : {}),
  };
}

/** The open modal; redrawn only when it changed, so what the person typed survives a poll. */
export function renderModal(backdrop: HTMLElement, modal: Modal | null): void {
  if (!modal) {
    backdrop.hidden = true;
    backdrop.replaceChildren();
    shownModal = null;
    return;
  }
  const form = backdrop.querySelector('form');
  if (form && shownModal && shownModal.id === modal.id && shownModal.version === modal.version) {
    showErrors(form, modal.errors); // same form: keep what the person typed, show the new errors
    return;
  }
  const kept = form && shownModal?.id === modal.id ? new FormData(form) : null;
  shownModal = { id: modal.id, version: modal.version };
  const view = modal.view;
  const viewPath = `views/${encodeURIComponent(modal.id)}`;
  const send = (action: ActionRequest) => api(`${viewPath}/actions`, { ...action, values: stateValues(view, next) });
  const body = el('div', { class: 'modal-body' });
  (view.blocks ?? []).forEach((block, index) => {
    if (block.type !== 'input') {
      body.append(renderBlock(block, index, send));
      return;
    }
    const blockId = block.block_id ?? `b${index}`;
    const control = inputElement(block, blockId, (id, actionId, value) =>
      api(`${viewPath}/options`, { blockId: id, actionId, value }),
    );
    const element = block.element;
    if (block.dispatch_action && element) {
      control.addEventListener('change', () =>
        busy(null, 'status', () => send({ blockId, actionId: element.action_id ?? '', ...actionOf(element, control) })),
      );
    }
    body.append(
      el(
        'div',
        { class: 'input-block', 'data-block-id': blockId },
        el(
          'label',
          { class: 'input-label' },
          plainText(block.label),
          block.optional ? el('span', { class: 'optional', text: ' (optional)' }) : null,
        ),
        control,
        block.hint ? el('div', { class: 'hint', text: plainText(block.hint) }) : null,
        el('div', { class: 'field-error', role: 'alert' }),
      ),
    );
  });
  const close = el('button', { type: 'button', 'data-testid': 'modal-close' }, plainText(view.close) || 'Close');
  close.addEventListener('click', () => busy(close, 'status', () => api(`${viewPath}/close`, {})));
  const submit = view.submit
    ? el('button', { type: 'submit', class: 'primary', 'data-testid': 'modal-submit' }, plainText(view.submit))
    : null;
  const next = el(
    'form',
    { class: 'modal', role: 'dialog', 'aria-modal': 'true', 'aria-label': plainText(view.title), 'data-view-id': modal.id },
    el(
      'div',
      { class: 'modal-head' },
      el('h2', { text: plainText(view.title) }),
      el('span', { class: 'modal-badge', text: 'SANDBOX' }),
    ),
    body,
    el('div', { class: 'modal-foot' }, close, submit),
  );
  next.addEventListener('submit', (event) => {
    event.preventDefault();
    busy(submit, 'status', () => api(`${viewPath}/submit`, { values: stateValues(view, next) }));
  });
  if (kept) restore(next, kept);
  showErrors(next, modal.errors);
  backdrop.replaceChildren(next);
  backdrop.hidden = false;
}
