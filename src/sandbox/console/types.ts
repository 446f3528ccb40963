/**
 * What the console reads from /sandbox/api/state: Block Kit as smsops sent it (only the fields drawn here) and the
 * sandbox's feed. Loose on purpose: the page draws whatever arrives and shows unknown kinds as such.
 */
export interface TextObject {
  type?: string;
  text?: string;
  /** plain_text only: false keeps `:shortcodes:` as typed. */
  emoji?: boolean;
}

/** A rich_text block's element: a section, a preformatted box, a quote or a list, holding text elements. */
export interface RichTextElement {
  type: string;
  text?: string;
  elements?: RichTextElement[];
}

export interface SelectOption {
  text?: TextObject;
  value: string;
}

export interface BlockElement {
  type: string;
  action_id?: string;
  text?: TextObject;
  url?: string;
  style?: string;
  value?: string;
  alt_text?: string;
  options?: SelectOption[];
  option_groups?: Array<{ label?: TextObject; options?: SelectOption[] }>;
  initial_option?: SelectOption;
  initial_options?: SelectOption[];
  placeholder?: TextObject;
  multiline?: boolean;
  max_length?: number;
  initial_value?: string;
  min_query_length?: number;
}

export interface Block {
  type: string;
  block_id?: string;
  text?: TextObject;
  fields?: TextObject[];
  accessory?: BlockElement;
  elements?: BlockElement[];
  element?: BlockElement;
  label?: TextObject;
  hint?: TextObject;
  optional?: boolean;
  dispatch_action?: boolean;
  alt_text?: string;
}

export interface View {
  blocks?: Block[];
  title?: TextObject;
  close?: TextObject;
  submit?: TextObject;
}

export interface FeedItem {
  id: number;
  kind: 'command' | 'reply' | 'message' | 'file' | 'note';
  at: number;
  channel: string | null;
  ts: string | null;
  threadTs: string | null;
  /** A thread reply also shown in the channel (`reply_broadcast`), as Slack does. */
  broadcast?: boolean;
  text: string;
  /** command only: who typed it when not "you". */
  by?: string;
  blocks: unknown;
  edited: boolean;
  tone?: 'info' | 'error';
  file?: { id: string; title: string; filename: string; mimetype: string; size: number };
}

export interface Modal {
  id: string;
  view: View;
  errors: Record<string, string>;
  version: number;
}

export interface Home {
  id: string;
  view: View;
}

export interface ReceivedRequest {
  id: number;
  at: number;
  method: string;
  path: string;
  contentType: string | null;
  body: string;
}

export interface EmulatorView {
  smsNumbers: Array<{ e164: string; display: string; country: string }>;
  pendingSenderIds: Array<{ id: string; senderId: string; type: string; pending: string[] }>;
  inboundWebhook: string | null;
}

export interface Workspace {
  user: { id: string; name: string };
  bot: { id: string; name: string };
  /** Where relayed SMS are posted: their threads take replies (sent as SMS). */
  inboxChannel: string;
  channels: Record<string, string>;
  defaultSmsSender: string;
}

export interface ConsoleState {
  workspace: Workspace;
  items: FeedItem[];
  modal: Modal | null;
  home: Home | null;
  portsip: ReceivedRequest[];
  emulator: EmulatorView;
  /** Who the console acts as: the admin, or the member who is not one. */
  actingAs?: 'admin' | 'member';
}

/** A block action as the console API takes it. */
export interface ActionRequest {
  blockId: string;
  actionId: string;
  type: string;
  value?: string;
  selectedOption?: SelectOption | null;
  selectedOptions?: SelectOption[];
}

export type SendAction = (action: ActionRequest) => Promise<unknown>;
