import type { types } from '@slack/bolt';
import { getCountries } from 'libphonenumber-js/max';
import type { PhoneNumber } from '../../core/phone.js';
import { ALPHANUMERIC_MAX_LENGTH, countryRestriction, type RequestableSenderIdType } from '../../core/senderIdRules.js';
import { MONTHLY_VOLUMES, SENDER_ID_USECASES, type SenderIdDraft, type SenderIdField } from '../../core/senderIds.js';
import { CALLBACK, SENDER_ID_ACTION, SENDER_ID_BLOCK } from '../ids.js';
import { type Block, context, escapeMrkdwn, plain, section } from './text.js';

export type ModalView = types.ModalView;

/** What the form carries between Slack round trips (private_metadata, at most 3,000 characters). */
export interface SenderIdFormMetadata {
  /** Where `/sms senderid create` was typed: the confirmation goes there. */
  channelId: string | null;
  type: RequestableSenderIdType;
}

export function encodeMetadata(metadata: SenderIdFormMetadata): string {
  return JSON.stringify(metadata);
}

/** The Sender ID field takes a few characters past the limit, so the check on submit says what is wrong. */
const VALUE_MAX_LENGTH = ALPHANUMERIC_MAX_LENGTH + 4;

const regionNames = new Intl.DisplayNames(['en'], { type: 'region' });
export const countryName = (code: string): string => regionNames.of(code) ?? code;

const USECASE_LABELS: Record<(typeof SENDER_ID_USECASES)[number], string> = {
  transactional: 'Transactional (account and order notifications)',
  promo: 'Promotional (marketing)',
  authentication: 'Authentication (one-time codes)',
};

const TYPE_LABELS: Record<RequestableSenderIdType, string> = {
  alphanumeric: 'Alphanumeric (a name, send-only)',
  numeric: 'Numeric (one of your SMS-enabled numbers, two-way)',
};

// Slack allows 100 options per group: the countries are split by initial into groups well under that.
const COUNTRY_GROUPS: ReadonlyArray<[string, RegExp]> = [
  ['Countries A–C', /^[A-C]/],
  ['Countries D–I', /^[D-I]/],
  ['Countries J–M', /^[J-M]/],
  ['Countries N–R', /^[N-R]/],
  ['Countries S–Z', /^[^A-R]/],
];

// Åland sorts and groups with the A's, as a reader looks for it, not after Z by code point or host locale.
const byName = new Intl.Collator('en', { sensitivity: 'base' });
const unaccentedName = (code: string) => countryName(code).normalize('NFD').replace(/\p{M}/gu, '');

const ALL_COUNTRIES: readonly string[] = getCountries()
  .map(String)
  .sort((a, b) => byName.compare(countryName(a), countryName(b)));

const countryOption = (code: string, note?: string) => ({
  text: plain(`${countryName(code)} (${code})${note ? ` — ${note}` : ''}`),
  value: code,
});

/** Destination countries as option groups; countries where the type is refused come last, marked, with no way to miss why. */
export function countryOptionGroups(type: RequestableSenderIdType) {
  const all = ALL_COUNTRIES;
  const allowed = all.filter((c) => countryRestriction(type, c) === null);
  const refused = all.filter((c) => countryRestriction(type, c) !== null);
  const groups = COUNTRY_GROUPS.map(([label, initial]) => ({
    label: plain(label),
    options: allowed.filter((c) => initial.test(unaccentedName(c))).map((c) => countryOption(c)),
  })).filter((g) => g.options.length > 0);
  if (refused.length > 0) {
    groups.push({
      label: plain(`Not allowed for ${type} Sender IDs`),
      options: refused.map((c) => countryOption(c, 'not allowed')),
    });
  }
  return groups;
}

const numberOption = (n: PhoneNumber) => ({ text: plain(`${n.display} (${n.country})`), value: n.e164 });

/**
 * The number select's options for what was typed. When more match than Slack shows (100), they come as one group whose
 * label says how many more match, so the cut is never silent.
 */
export function numberOptions(found: { numbers: readonly PhoneNumber[]; more: number }) {
  const options = found.numbers.map(numberOption);
  if (found.more === 0) return { options };
  return { option_groups: [{ label: plain(`Type more digits: ${found.more} more match`, 75), options }] };
}

/** The value of the number select's placeholder while Wavix is still being read: chosen and sent, it is refused. */
export const NUMBERS_LOADING_VALUE = 'sid_numbers_loading';

/**
 * The number search's answer while Wavix has not listed the numbers yet: Slack waits 3 seconds at most, and an empty
 * list would read as "no such number". The read goes on, so typing again finds them.
 */
export const numbersLoadingOptions = () => ({
  options: [{ text: plain('Still loading your Wavix numbers: type again in a moment'), value: NUMBERS_LOADING_VALUE }],
});

export interface SenderIdFormInput {
  metadata: SenderIdFormMetadata;
  /** The account's SMS-enabled numbers, for the numeric type. */
  numbers: readonly PhoneNumber[];
  /** Values to show again (after a type switch or a refusal by Wavix). */
  values?: Partial<SenderIdDraft>;
  /** A message at the top of the form, e.g. Wavix's reason for a refusal. */
  notice?: string;
}

export function senderIdFormView(input: SenderIdFormInput): ModalView {
  const { metadata, numbers, values = {} } = input;
  const type = metadata.type;
  const blocks: Block[] = [];
  if (input.notice) blocks.push(section(`:warning: ${escapeMrkdwn(input.notice)}`, SENDER_ID_BLOCK.notice));

  blocks.push({
    type: 'input',
    block_id: SENDER_ID_BLOCK.type,
    dispatch_action: true,
    label: plain('Type'),
    element: {
      type: 'radio_buttons',
      action_id: SENDER_ID_ACTION.type,
      options: (['alphanumeric', 'numeric'] as const).map((t) => ({ text: plain(TYPE_LABELS[t]), value: t })),
      initial_option: { text: plain(TYPE_LABELS[type]), value: type },
    },
  });

  if (type === 'numeric' && numbers.length > 0) {
    // An external select, searched through smsops: an account can have far more numbers than a static select's 100.
    const initialNumber = numbers.find((n) => n.e164 === values.value);
    blocks.push({
      type: 'input',
      block_id: SENDER_ID_BLOCK.valueNumber,
      label: plain('Number'),
      hint: plain(
        `Only the account’s SMS-enabled numbers can be numeric Sender IDs (${numbers.length} here). Type digits to search.`,
        150,
      ),
      element: {
        type: 'external_select',
        action_id: SENDER_ID_ACTION.value,
        placeholder: plain('Type digits of the number'),
        min_query_length: 0,
        ...(initialNumber ? { initial_option: numberOption(initialNumber) } : {}),
      },
    });
  } else {
    blocks.push({
      type: 'input',
      block_id: SENDER_ID_BLOCK.valueText,
      label: plain(type === 'numeric' ? 'Number' : 'Sender ID'),
      hint: plain(
        type === 'numeric'
          ? 'This account has no SMS-enabled number listed; type one in international form, e.g. +44 7400 123456.'
          : `Letters, digits and spaces; 3 to ${ALPHANUMERIC_MAX_LENGTH} characters. Recipients cannot reply to it.`,
        150,
      ),
      element: {
        type: 'plain_text_input',
        action_id: SENDER_ID_ACTION.value,
        placeholder: plain(type === 'numeric' ? '+44 7400 123456' : 'e.g. Acme'),
        ...(type === 'alphanumeric' ? { max_length: VALUE_MAX_LENGTH } : {}),
        // Slack refuses the whole view when an initial value is longer than the field's max_length.
        ...(values.value && (type !== 'alphanumeric' || values.value.length <= VALUE_MAX_LENGTH)
          ? { initial_value: values.value }
          : {}),
      },
    });
  }

  const groups = countryOptionGroups(type);
  const initialCountries = (values.countries ?? [])
    .map((code) => groups.flatMap((g) => g.options).find((o) => o.value === code))
    .filter((o) => o !== undefined);
  blocks.push({
    type: 'input',
    block_id: SENDER_ID_BLOCK.countries,
    label: plain('Destination countries'),
    hint: plain(
      'Some countries need carrier approval, which can take days; smsops announces each decision in the alert channel.',
      150,
    ),
    element: {
      type: 'multi_static_select',
      action_id: SENDER_ID_ACTION.countries,
      placeholder: plain('Choose countries'),
      option_groups: groups,
      ...(initialCountries.length > 0 ? { initial_options: initialCountries } : {}),
    },
  });
  const refusedNote = ALL_COUNTRIES.flatMap((c) => {
    const reason = countryRestriction(type, c);
    return reason ? [`*${c}*: ${escapeMrkdwn(reason)}`] : [];
  });
  if (refusedNote.length > 0) blocks.push(context(`Not allowed for ${type} Sender IDs: ${refusedNote.join(' ')}`));

  const usecase = values.usecase ?? 'transactional';
  blocks.push({
    type: 'input',
    block_id: SENDER_ID_BLOCK.usecase,
    label: plain('Use case'),
    element: {
      type: 'static_select',
      action_id: SENDER_ID_ACTION.usecase,
      options: SENDER_ID_USECASES.map((u) => ({ text: plain(USECASE_LABELS[u]), value: u })),
      initial_option: { text: plain(USECASE_LABELS[usecase]), value: usecase },
    },
  });
  const volumeOptions = MONTHLY_VOLUMES.map((v) => ({ text: plain(`${v} messages a month`), value: v }));
  const initialVolume = volumeOptions.find((o) => o.value === values.monthlyVolume);
  blocks.push({
    type: 'input',
    block_id: SENDER_ID_BLOCK.volume,
    optional: true,
    label: plain('Expected monthly volume'),
    element: {
      type: 'static_select',
      action_id: SENDER_ID_ACTION.volume,
      placeholder: plain('Choose a range'),
      options: volumeOptions,
      ...(initialVolume ? { initial_option: initialVolume } : {}),
    },
  });
  blocks.push({
    type: 'input',
    block_id: SENDER_ID_BLOCK.samples,
    optional: true,
    label: plain('Sample messages'),
    hint: plain('One per line. Carriers that review Sender IDs look at these.', 150),
    element: {
      type: 'plain_text_input',
      action_id: SENDER_ID_ACTION.samples,
      multiline: true,
      ...(values.samples && values.samples.length > 0 ? { initial_value: values.samples.join('\n') } : {}),
    },
  });

  return {
    type: 'modal',
    callback_id: CALLBACK.senderIdCreate,
    private_metadata: encodeMetadata(metadata),
    title: plain('New Sender ID', 24),
    submit: plain('Request', 24),
    close: plain('Cancel', 24),
    blocks,
  };
}

/** The block that carries a field's error in `response_action: errors`. */
export function senderIdErrorBlock(field: SenderIdField, type: RequestableSenderIdType, hasNumberSelect: boolean): string {
  switch (field) {
    case 'value':
      return type === 'numeric' && hasNumberSelect ? SENDER_ID_BLOCK.valueNumber : SENDER_ID_BLOCK.valueText;
    case 'countries':
      return SENDER_ID_BLOCK.countries;
    case 'type':
      return SENDER_ID_BLOCK.type;
    case 'usecase':
      return SENDER_ID_BLOCK.usecase;
    case 'samples':
      return SENDER_ID_BLOCK.samples;
  }
}

/** A modal that only says something: loading, working, done, or why it cannot go on. */
export function messageView(title: string, text: string, options: { callbackId?: string; metadata?: string } = {}): ModalView {
  return {
    type: 'modal',
    title: plain(title, 24),
    close: plain('Close', 24),
    ...(options.callbackId ? { callback_id: options.callbackId } : {}),
    ...(options.metadata ? { private_metadata: options.metadata } : {}),
    blocks: [section(text)],
  };
}
