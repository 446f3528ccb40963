// The sandbox console: polls /sandbox/api/state and draws what smsops sent to the fake Slack (Block Kit as HTML),
// the PortSIP sink and the emulator; every click goes back through /sandbox/api/, which signs it like Slack would.
// Text from smsops or from an SMS is only ever put in the page through textContent or renderMrkdwn, which
// HTML-escapes everything it does not itself produce.
(() => {
  const POLL_MS = 700;

  // ---- mrkdwn -------------------------------------------------------------------------------------------------

  const EMOJI = {
    white_check_mark: '✅',
    warning: '⚠️',
    hourglass_flowing_sand: '⏳',
    x: '❌',
    rotating_light: '🚨',
    no_entry: '⛔',
    incoming_envelope: '📨',
    heavy_minus_sign: '➖',
    arrows_counterclockwise: '🔄',
    wastebasket: '🗑️',
    repeat: '🔁',
    mega: '📣',
    information_source: 'ℹ️',
    gear: '⚙️',
    fast_forward: '⏩',
    bar_chart: '📊',
    large_green_circle: '🟢',
    red_circle: '🔴',
    white_circle: '⚪',
    tada: '🎉',
    bell: '🔔',
    email: '📧',
    telephone_receiver: '📞',
    iphone: '📱',
  };

  const escapeHtml = (text) =>
    String(text)
      .replace(/&/g, '&amp;')
      .replace(/</g, '&lt;')
      .replace(/>/g, '&gt;')
      .replace(/"/g, '&quot;')
      .replace(/'/g, '&#39;');

  /** Slack's three entities stand for literal characters: `&lt;b&gt;` is the text "<b>", never markup. */
  const decodeSlackEntities = (text) =>
    String(text).replace(/&(amp|lt|gt);/g, (_, name) => ({ amp: '&', lt: '<', gt: '>' })[name]);

  /** Text for the page: Slack's entities decoded, then HTML-escaped. */
  const literal = (text) => escapeHtml(decodeSlackEntities(text));

  const emojify = (text) => text.replace(/:([a-z0-9_+-]+):/g, (match, name) => EMOJI[name] ?? match);

  const names = { users: {}, channels: {} };

  const chip = (kind, label) => `<span class="chip chip-${kind}">${literal(label)}</span>`;

  /** One `<…>` control sequence: a mention, a special mention, a date, or a link (only http(s) and mailto links). */
  function renderControl(inner) {
    const bar = inner.indexOf('|');
    const target = bar === -1 ? inner : inner.slice(0, bar);
    const label = bar === -1 ? null : inner.slice(bar + 1);
    if (target.startsWith('@')) {
      const id = target.slice(1);
      return chip('user', `@${names.users[id] ?? label ?? id}`);
    }
    if (target.startsWith('#')) {
      const id = target.slice(1);
      return chip('channel', `#${names.channels[id] ?? label ?? id}`);
    }
    if (target.startsWith('!')) {
      const command = target.slice(1);
      if (['channel', 'here', 'everyone'].includes(command)) return chip('broadcast', `@${command}`);
      if (command.startsWith('subteam^')) return chip('user', label ?? '@group');
      return literal(label ?? '');
    }
    const url = decodeSlackEntities(target);
    if (/^(https?:\/\/|mailto:)/i.test(url)) {
      return `<a href="${escapeHtml(url)}" target="_blank" rel="noopener noreferrer">${literal(label ?? target)}</a>`;
    }
    return literal(label ?? target);
  }

  /**
   * Slack mrkdwn → safe HTML. Code and `<…>` controls are rendered first and held aside; the rest is decoded from
   * Slack's entities and HTML-escaped before *bold*, _italic_, ~strike~ and :emoji: are applied to it, so no text
   * can become markup.
   */
  function renderMrkdwn(source) {
    const held = [];
    const hold = (html) => {
      held.push(html);
      return `\uE000${held.length - 1}\uE001`;
    };
    let text = String(source ?? '').replace(/[\uE000\uE001]/g, '');
    text = text.replace(/```([\s\S]*?)```/g, (_, code) => hold(`<pre class="code">${literal(code.replace(/^\n/, ''))}</pre>`));
    text = text.replace(/`([^`\n]+)`/g, (_, code) => hold(`<code>${literal(code)}</code>`));
    text = text.replace(/<([^<>\n]*)>/g, (_, inner) => hold(renderControl(inner)));
    text = literal(text);
    text = text.replace(/(^|[^\w*])\*(?=\S)([^*\n]*?\S)\*(?!\w)/g, '$1<b>$2</b>');
    text = text.replace(/(^|[^\w_])_(?=\S)([^_\n]*?\S)_(?!\w)/g, '$1<i>$2</i>');
    text = text.replace(/(^|[^\w~])~(?=\S)([^~\n]*?\S)~(?!\w)/g, '$1<s>$2</s>');
    text = emojify(text).replace(/\n/g, '<br>');
    return text.replace(/\uE000(\d+)\uE001/g, (_, i) => held[Number(i)] ?? '');
  }

  // ---- small DOM helpers ------------------------------------------------------------------------------------------

  function el(tag, attrs = {}, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs)) {
      if (value === undefined || value === null || value === false) continue;
      if (key === 'class') node.className = value;
      else if (key === 'text') node.textContent = value;
      else if (key === 'html')
        node.innerHTML = value; // only ever renderMrkdwn's output
      else if (key.startsWith('on')) node.addEventListener(key.slice(2), value);
      else if (value === true) node.setAttribute(key, '');
      else node.setAttribute(key, String(value));
    }
    for (const child of children.flat()) if (child !== null && child !== undefined) node.append(child);
    return node;
  }

  /** A text object: mrkdwn rendered safely, plain_text as text. */
  function textObject(object, className = 'mrkdwn') {
    if (!object) return el('span');
    if (object.type === 'mrkdwn') return el('div', { class: className, html: renderMrkdwn(object.text) });
    return el('div', { class: className, text: emojify(String(object.text ?? '')) });
  }

  const plainText = (object) => emojify(String(object?.text ?? ''));

  async function api(path, body) {
    const response = await fetch(`/sandbox/api/${path}`, {
      method: body === undefined ? 'GET' : 'POST',
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const json = await response.json().catch(() => ({}));
    if (!response.ok) throw new Error(json.error || `HTTP ${response.status}`);
    return json;
  }

  function setStatus(id, message, isError = false) {
    const node = document.getElementById(id);
    node.textContent = message;
    node.classList.toggle('error', isError);
  }

  /** Runs a click's request with its button disabled; a failure is shown in the status line. */
  async function busy(button, statusId, work) {
    if (button) button.disabled = true;
    try {
      await work();
    } catch (error) {
      setStatus(statusId, String(error.message || error), true);
    } finally {
      if (button) button.disabled = false;
    }
  }

  // ---- Block Kit ----------------------------------------------------------------------------------------------------

  const optionsOf = (element) => [
    ...(element.options ?? []),
    ...(element.option_groups ?? []).flatMap((group) => group.options ?? []),
  ];

  const optionFor = (element, value) => {
    const option = optionsOf(element).find((o) => o.value === value);
    return option ? { text: option.text, value: option.value } : null;
  };

  /** A `<select>` from options or option groups. */
  function selectElement(element, { multiple = false } = {}) {
    const chosen = new Set(
      multiple
        ? (element.initial_options ?? []).map((o) => o.value)
        : element.initial_option
          ? [element.initial_option.value]
          : [],
    );
    const option = (o) => el('option', { value: o.value, selected: chosen.has(o.value) }, plainText(o.text));
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
  function actionElement(element, blockId, send) {
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
        { type: 'button', class: element.style ?? undefined, 'data-action-id': element.action_id },
        plainText(element.text),
      );
      button.addEventListener('click', () =>
        busy(button, 'status', () => send({ blockId, actionId: element.action_id, type: 'button', value: element.value })),
      );
      return button;
    }
    if (element.type === 'static_select') {
      const select = selectElement(element);
      select.addEventListener('change', () =>
        busy(select, 'status', () =>
          send({ blockId, actionId: element.action_id, type: 'static_select', selectedOption: optionFor(element, select.value) }),
        ),
      );
      return select;
    }
    if (element.type === 'overflow') {
      const select = selectElement({ ...element, placeholder: { text: '⋯' } });
      select.addEventListener('change', () =>
        busy(select, 'status', () =>
          send({ blockId, actionId: element.action_id, type: 'overflow', selectedOption: optionFor(element, select.value) }),
        ),
      );
      return select;
    }
    if (element.type === 'image') return el('span', { class: 'block-unknown', text: `[image: ${element.alt_text ?? ''}]` });
    return el('span', { class: 'block-unknown', text: `[${element.type}]` });
  }

  /** Message (and view) blocks other than inputs. */
  function renderBlock(block, index, send) {
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
          (block.elements ?? []).map((e) =>
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
      default:
        return el('div', { class: 'block-unknown', text: `[${block.type} block]` });
    }
  }

  function renderMessageBody(item, send) {
    const blocks = Array.isArray(item.blocks) ? item.blocks : [];
    if (blocks.length === 0) return el('div', { class: 'mrkdwn', html: renderMrkdwn(item.text) });
    return el(
      'div',
      { class: 'blocks' },
      blocks.map((block, i) => renderBlock(block, i, send)),
    );
  }

  // ---- the feed -----------------------------------------------------------------------------------------------------

  let workspace = null;

  const channelLabel = (id) => {
    if (!id) return '';
    if (/^[UW]/.test(id)) return 'Direct message';
    return `#${names.channels[id] ?? id}`;
  };

  const clock = (at) => new Date(at).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit' });

  function renderItem(item, replies) {
    const send = (action) => api(`items/${item.id}/actions`, action);
    if (item.kind === 'note') {
      return el('div', {
        class: `item kind-note${item.tone === 'error' ? ' error' : ''}`,
        'data-kind': 'note',
        text: `sandbox: ${item.text}`,
      });
    }
    const fromYou = item.kind === 'command';
    const meta = el(
      'div',
      { class: 'meta' },
      el('span', { class: 'who', text: fromYou ? 'you' : 'smsops' }),
      fromYou ? null : el('span', { class: 'tag', text: 'App' }),
      el('span', { class: 'where', text: channelLabel(item.channel) }),
      el('span', { text: clock(item.at) }),
      item.kind === 'reply' ? el('span', { class: 'only-you', text: 'Only visible to you' }) : null,
    );
    let body;
    if (fromYou) body = el('div', { class: 'body', text: item.text });
    else if (item.kind === 'file') body = renderFile(item);
    else body = renderMessageBody(item, send);
    const node = el(
      'div',
      {
        class: `item kind-${item.kind}`,
        'data-kind': item.kind,
        'data-channel': item.channel ? (names.channels[item.channel] ?? item.channel) : undefined,
        'data-item-id': item.id,
      },
      el('div', { class: 'avatar', text: fromYou ? 'Y' : 'S', 'aria-hidden': 'true' }),
      el('div', {}, meta, body, item.edited ? el('span', { class: 'edited', text: '(edited)' }) : null),
    );
    if (replies.length > 0) {
      node.lastChild.append(
        el(
          'div',
          { class: 'thread' },
          replies.map((reply) => renderItem(reply, [])),
        ),
      );
    }
    return node;
  }

  function renderFile(item) {
    const file = item.file;
    const href = `/sandbox/api/files/${encodeURIComponent(file.id)}`;
    const body = el('div', { class: 'blocks' });
    if (item.text) body.append(el('div', { class: 'mrkdwn', html: renderMrkdwn(item.text) }));
    const figure = el('figure', { class: 'attachment' });
    if (file.mimetype.startsWith('image/')) figure.append(el('img', { src: href, alt: file.title }));
    else figure.append(el('a', { href, download: file.filename, text: file.filename }));
    figure.append(el('figcaption', { text: `${file.title} · ${file.filename} · ${file.size} bytes` }));
    body.append(figure);
    return body;
  }

  function renderFeed(items) {
    const feed = document.getElementById('feed');
    const nearBottom = feed.scrollHeight - feed.scrollTop - feed.clientHeight < 80;
    const parents = new Map(items.filter((i) => i.ts && !i.threadTs).map((i) => [`${i.channel} ${i.ts}`, i]));
    const replies = new Map();
    const top = [];
    for (const item of items) {
      const parent = item.threadTs ? parents.get(`${item.channel} ${item.threadTs}`) : undefined;
      if (parent) replies.set(parent.id, [...(replies.get(parent.id) ?? []), item]);
      else top.push(item);
    }
    feed.replaceChildren(
      ...(top.length === 0 ? [el('p', { class: 'empty', html: 'Type <code>/sms help</code> below to begin.' })] : []),
      ...top.map((item) => renderItem(item, replies.get(item.id) ?? [])),
    );
    if (nearBottom) feed.scrollTop = feed.scrollHeight;
  }

  // ---- modals ---------------------------------------------------------------------------------------------------

  let shownModal = null; // { id, version }

  function inputElement(block, blockId) {
    const element = block.element ?? {};
    const wrap = el('div', { class: 'input-control', 'data-type': element.type });
    switch (element.type) {
      case 'plain_text_input': {
        const attrs = {
          name: `${blockId}.${element.action_id}`,
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
        const select = selectElement(element, { multiple: element.type === 'multi_static_select' });
        select.setAttribute('aria-label', plainText(block.label));
        select.name = `${blockId}.${element.action_id}`;
        wrap.append(select);
        if (element.type === 'multi_static_select')
          wrap.append(el('div', { class: 'hint', text: 'Ctrl/⌘-click to choose several.' }));
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
              el('input', { type: kind, name: `${blockId}.${element.action_id}`, value: o.value, checked: initial.has(o.value) }),
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

  /** One input's state in Slack's `view.state.values` shape. */
  function stateOf(element, control) {
    switch (element.type) {
      case 'plain_text_input': {
        const value = control.querySelector('input, textarea').value;
        return { type: element.type, value: value === '' ? null : value };
      }
      case 'static_select': {
        const value = control.querySelector('select').value;
        return { type: element.type, selected_option: value ? optionFor(element, value) : null };
      }
      case 'multi_static_select': {
        const values = [...control.querySelector('select').selectedOptions].map((o) => o.value);
        return { type: element.type, selected_options: values.map((v) => optionFor(element, v)).filter(Boolean) };
      }
      case 'radio_buttons': {
        const checked = control.querySelector('input:checked');
        return { type: element.type, selected_option: checked ? optionFor(element, checked.value) : null };
      }
      case 'checkboxes': {
        const values = [...control.querySelectorAll('input:checked')].map((i) => i.value);
        return { type: element.type, selected_options: values.map((v) => optionFor(element, v)).filter(Boolean) };
      }
      default:
        return null;
    }
  }

  function stateValues(view, form) {
    const values = {};
    (view.blocks ?? []).forEach((block, index) => {
      if (block.type !== 'input' || !block.element?.action_id) return;
      const blockId = block.block_id ?? `b${index}`;
      const control = form.querySelector(`[data-block-id="${CSS.escape(blockId)}"] .input-control`);
      const state = control ? stateOf(block.element, control) : null;
      if (state) values[blockId] = { [block.element.action_id]: state };
    });
    return values;
  }

  function showErrors(form, errors) {
    for (const node of form.querySelectorAll('.input-block')) {
      const message = errors[node.dataset.blockId];
      node.classList.toggle('invalid', Boolean(message));
      node.querySelector('.field-error').textContent = message ?? '';
    }
  }

  function renderModal(modal) {
    const backdrop = document.getElementById('modal');
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
    // Slack keeps what was entered in inputs whose block and action ids survive an update.
    const kept = form && shownModal?.id === modal.id ? new FormData(form) : null;
    shownModal = { id: modal.id, version: modal.version };
    const view = modal.view;
    const send = (action) => api(`views/${encodeURIComponent(modal.id)}/actions`, { ...action, values: stateValues(view, next) });
    const body = el('div', { class: 'modal-body' });
    (view.blocks ?? []).forEach((block, index) => {
      if (block.type !== 'input') {
        body.append(renderBlock(block, index, send));
        return;
      }
      const blockId = block.block_id ?? `b${index}`;
      const control = inputElement(block, blockId);
      if (block.dispatch_action && block.element) {
        control.addEventListener('change', () =>
          busy(null, 'status', () => send({ blockId, actionId: block.element.action_id, ...actionOf(block.element, control) })),
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
    close.addEventListener('click', () => busy(close, 'status', () => api(`views/${encodeURIComponent(modal.id)}/close`, {})));
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
      busy(submit, 'status', () => api(`views/${encodeURIComponent(modal.id)}/submit`, { values: stateValues(view, next) }));
    });
    if (kept) restore(next, kept);
    showErrors(next, modal.errors);
    backdrop.replaceChildren(next);
    backdrop.hidden = false;
  }

  function restore(form, kept) {
    for (const field of form.querySelectorAll('input[name], textarea[name], select[name]')) {
      if (!kept.has(field.name)) continue;
      const values = kept.getAll(field.name).map(String);
      if (field.type === 'radio' || field.type === 'checkbox') field.checked = values.includes(field.value);
      else if (field.multiple) for (const o of field.options) o.selected = values.includes(o.value);
      else field.value = values[0] ?? '';
    }
  }

  function actionOf(element, control) {
    const state = stateOf(element, control) ?? {};
    return {
      type: element.type,
      ...(state.selected_option ? { selectedOption: state.selected_option } : {}),
      ...(state.selected_options ? { selectedOptions: state.selected_options } : {}),
      ...(typeof state.value === 'string' ? { value: state.value } : {}),
    };
  }

  // ---- App Home -------------------------------------------------------------------------------------------------

  function renderHome(home) {
    const node = document.getElementById('home');
    if (!home) return;
    const send = (action) => api(`views/${encodeURIComponent(home.id)}/actions`, { ...action, values: {} });
    node.replaceChildren(
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

  function showTab(name) {
    const home = name === 'home';
    document.getElementById('feed').hidden = home;
    document.getElementById('home').hidden = !home;
    for (const [id, active] of [
      ['tab-feed', !home],
      ['tab-home', home],
    ]) {
      const tab = document.getElementById(id);
      tab.classList.toggle('active', active);
      tab.setAttribute('aria-selected', String(active));
    }
    // Slack tells the app each time the person opens its Home tab.
    if (home) busy(null, 'status', () => api('home', {}));
  }

  // ---- side panels ----------------------------------------------------------------------------------------------

  function renderPortsip(received) {
    const node = document.getElementById('portsip');
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

  function renderEmulator(emulator) {
    const node = document.getElementById('emulator');
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
        const button = el('button', { type: 'button', 'data-country': country }, `Approve ${country}`);
        button.addEventListener('click', () =>
          busy(button, 'status', () => api(`sender-ids/${encodeURIComponent(sender.id)}/approve`, { country })),
        );
        line.append(el('b', { text: country }), button, ' ');
      }
      lines.push(line);
    }
    node.replaceChildren(...lines);

    const to = document.querySelector('#inbound select[name="to"]');
    const wanted = emulator.smsNumbers.map((n) => n.e164).join(',');
    if (to.dataset.numbers !== wanted) {
      const previous = to.value;
      to.replaceChildren(...emulator.smsNumbers.map((n) => el('option', { value: n.e164 }, `${n.display} (${n.country})`)));
      if (previous && wanted.split(',').includes(previous)) to.value = previous;
      to.dataset.numbers = wanted;
    }
  }

  // ---- wiring -----------------------------------------------------------------------------------------------------

  const last = {};
  const changed = (key, value) => {
    const json = JSON.stringify(value);
    if (last[key] === json) return false;
    last[key] = json;
    return true;
  };

  async function poll() {
    try {
      const state = await api('state');
      if (!workspace) {
        workspace = state.workspace;
        names.channels = { ...workspace.channels };
        names.users = { [workspace.user.id]: workspace.user.name, [workspace.bot.id]: workspace.bot.name };
        const from = document.querySelector('#inbound input[name="from"]');
        if (!from.value) from.value = workspace.defaultSmsSender;
      }
      if (changed('items', state.items)) renderFeed(state.items);
      if (changed('modal', state.modal)) renderModal(state.modal);
      if (changed('home', state.home)) renderHome(state.home);
      if (changed('portsip', state.portsip)) renderPortsip(state.portsip);
      if (changed('emulator', state.emulator)) renderEmulator(state.emulator);
      document.body.dataset.ready = 'true';
    } catch (error) {
      setStatus('status', `The sandbox does not answer (${error.message}); is it still running?`, true);
    } finally {
      setTimeout(poll, POLL_MS);
    }
  }

  document.getElementById('composer').addEventListener('submit', (event) => {
    event.preventDefault();
    const input = document.getElementById('command');
    const text = input.value.trim();
    if (text === '' || text === '/sms') return;
    const button = event.target.querySelector('button');
    busy(button, 'status', async () => {
      setStatus('status', '');
      await api('command', { text });
      input.value = '/sms ';
    });
  });

  document.getElementById('inbound').addEventListener('submit', (event) => {
    event.preventDefault();
    const form = event.target;
    const sms = { from: form.from.value, to: form.to.value, text: form.text.value };
    busy(form.querySelector('button'), 'inbound-status', async () => {
      setStatus('inbound-status', 'Sending…');
      const result = await api('inbound', sms);
      if (result.error) setStatus('inbound-status', `Not taken: ${result.error}`, true);
      else setStatus('inbound-status', `Wavix posted it to smsops: HTTP ${result.webhookStatus ?? '—'}`);
    });
  });

  document.getElementById('tab-feed').addEventListener('click', () => showTab('feed'));
  document.getElementById('tab-home').addEventListener('click', () => showTab('home'));

  // For the sandbox's own browser test: the renderer, to feed it hostile text directly.
  window.smsopsSandbox = { renderMrkdwn };
  poll();
})();
