import { busy, el, mrkdwn, plainText, textObject } from './dom.js';
import type { Block, BlockElement, RichTextElement, SelectOption, SendAction, TextObject } from './types.js';

const optionsOf = (element: BlockElement): SelectOption[] => [
  ...(element.options ?? []),
  ...(element.option_groups ?? []).flatMap((group) => group.options ?? []),
];

export const optionFor = (element: BlockElement, value: string): SelectOption | null => {
  const option = optionsOf(element).find((o) => o.value === value);
  return option ? { ...(option.text ? { text: option.text } : {}), value: option.value } : null;
};

/** A `<select>` from options or option groups. */
export function selectElement(element: BlockElement, { multiple = false } = {}): HTMLSelectElement {
  const chosen = new Set(
    multiple ? (element.initial_options ?? []).map((o) => o.value) : element.initial_option ? [element.initial_option.value] : [],
  );
  const option = (o: SelectOption) => el('option', { value: o.value, selected: chosen.has(o.value) }, plainText(o.text));
  const select = el('select', { multiple });
  if (!multiple) select.append(el('option', { value: '' }, plainText(element.placeholder) || 'Choose…'));
  for (const o of element.options ?? []) select.append(option(o));
  for (const group of element.option_groups ?? []) {
    select.append(el('optgroup', { label: plainText(group.label) }, (group.options ?? []).map(option)));
  }
  if (!multiple && chosen.size === 0) select.value = '';
  return select;
}

/** Interactive elements outside input blocks: each use sends a block action (for a message or for a view). */
function actionElement(element: BlockElement, blockId: string, send: SendAction): HTMLElement {
  const actionId = element.action_id ?? '';
  if (element.type === 'button') {
    if (element.url) {
      const safe = /^https?:\/\//i.test(element.url);
      return el(
        'a',
        { class: 'btn', href: safe ? element.url : undefined, target: '_blank', rel: 'noopener noreferrer' },
        plainText(element.text),
      );
    }
    const button = el(
      'button',
      { type: 'button', class: element.style, 'data-action-id': element.action_id },
      plainText(element.text),
    );
    button.addEventListener('click', () =>
      busy(button, 'status', () =>
        send({ blockId, actionId, type: 'button', ...(element.value !== undefined ? { value: element.value } : {}) }),
      ),
    );
    return button;
  }
  if (element.type === 'static_select' || element.type === 'overflow') {
    const select = selectElement(element.type === 'overflow' ? { ...element, placeholder: { text: '⋯' } } : element);
    select.addEventListener('change', () =>
      busy(select, 'status', () =>
        send({ blockId, actionId, type: element.type, selectedOption: optionFor(element, select.value) }),
      ),
    );
    return select;
  }
  if (element.type === 'image') return el('span', { class: 'block-unknown', text: `[image: ${element.alt_text ?? ''}]` });
  return el('span', { class: 'block-unknown', text: `[${element.type}]` });
}

/**
 * A rich_text block, its text elements literal (textContent: no mrkdwn, no shortcode, no mention, no entity decoding),
 * as Slack shows them; other elements (mentions, emoji, links) are named as such.
 */
function richTextBlock(block: Block): HTMLElement {
  const inline = (element: RichTextElement): Node | string =>
    element.type === 'text' ? String(element.text ?? '') : el('span', { class: 'block-unknown', text: `[${element.type}]` });
  const container = (element: RichTextElement): HTMLElement => {
    const children = (element.elements ?? []).map(inline);
    if (element.type === 'rich_text_preformatted') return el('pre', { class: 'rich-text-preformatted' }, children);
    if (element.type === 'rich_text_quote') return el('blockquote', { class: 'rich-text-quote' }, children);
    return el('div', { class: 'rich-text-section' }, children);
  };
  return el('div', { class: 'block-rich-text' }, ((block.elements ?? []) as RichTextElement[]).map(container));
}

/** Message (and view) blocks other than inputs. */
export function renderBlock(block: Block, index: number, send: SendAction): HTMLElement {
  const blockId = block.block_id ?? `b${index}`;
  switch (block.type) {
    case 'section': {
      const node = el('div', { class: 'block-section' });
      if (block.text) node.append(textObject(block.text));
      if (block.fields)
        node.append(
          el(
            'div',
            { class: 'fields' },
            block.fields.map((f) => textObject(f)),
          ),
        );
      if (block.accessory) node.append(actionElement(block.accessory, blockId, send));
      return node;
    }
    case 'context':
      return el(
        'div',
        { class: 'block-context' },
        // A context block's elements are text objects and images, not interactive elements.
        ((block.elements ?? []) as Array<TextObject & { alt_text?: string }>).map((e) =>
          e.type === 'image' ? el('span', { text: `[${e.alt_text ?? 'image'}]` }) : textObject(e, 'mrkdwn'),
        ),
      );
    case 'header':
      return el('h3', { class: 'block-header', text: plainText(block.text) });
    case 'divider':
      return el('hr', { class: 'block-divider' });
    case 'actions':
      return el(
        'div',
        { class: 'block-actions' },
        (block.elements ?? []).map((e) => actionElement(e, blockId, send)),
      );
    case 'image':
      return el('div', { class: 'block-unknown', text: `[image: ${block.alt_text ?? ''}]` });
    case 'rich_text':
      return richTextBlock(block);
    default:
      return el('div', { class: 'block-unknown', text: `[${block.type} block]` });
  }
}

export function renderBlocks(blocks: unknown, text: string, send: SendAction): HTMLElement {
  const list = Array.isArray(blocks) ? (blocks as Block[]) : [];
  if (list.length === 0) return el('div', { class: 'mrkdwn', html: mrkdwn(text) });
  return el(
    'div',
    { class: 'blocks' },
    list.map((block, i) => renderBlock(block, i, send)),
  );
}
