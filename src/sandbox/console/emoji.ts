/**
 * Slack's `:shortcode:` emoji, as the console shows them: a small table of the ones smsops writes (grep
 * `:[a-z_]+:` in src/slack, src/core, src/jobs) and a few common ones, not Slack's whole set: a shortcode not here
 * stays as typed, which is also how Slack shows one it does not know.
 */
export const EMOJI: Readonly<Record<string, string>> = {
  white_check_mark: '✅',
  warning: '⚠️',
  hourglass_flowing_sand: '⏳',
  hourglass: '⌛',
  x: '❌',
  rotating_light: '🚨',
  no_entry: '⛔',
  no_entry_sign: '🚫',
  incoming_envelope: '📨',
  outbox_tray: '📤',
  heavy_minus_sign: '➖',
  grey_question: '❔',
  arrows_counterclockwise: '🔄',
  stethoscope: '🩺',
  wastebasket: '🗑️',
  repeat: '🔁',
  mega: '📣',
  information_source: 'ℹ️',
  house: '🏠',
  arrow_up: '⬆️',
  memo: '📝',
  gear: '⚙️',
  fast_forward: '⏩',
  bar_chart: '📊',
  large_green_circle: '🟢',
  red_circle: '🔴',
  white_circle: '⚪',
  tada: '🎉',
  bell: '🔔',
  no_bell: '🔕',
  email: '📧',
  telephone_receiver: '📞',
  iphone: '📱',
  eyes: '👀',
  zzz: '💤',
  mag: '🔍',
  link: '🔗',
  lock: '🔒',
  unlock: '🔓',
  speech_balloon: '💬',
  mute: '🔇',
  loud_sound: '🔊',
  alarm_clock: '⏰',
  scissors: '✂️',
};

/** Every `:name:` the table knows, replaced by its emoji; others left as they are. */
export const emojify = (text: string): string => text.replace(/:([a-z0-9_+-]+):/g, (match, name: string) => EMOJI[name] ?? match);

/**
 * A plain_text object's text as Slack shows it: shortcodes become emoji unless the object says `emoji: false` (used
 * where the text must read exactly as it was sent, a relayed SMS for one).
 */
export const plainTextShown = (object: { type?: string; text?: unknown; emoji?: unknown } | undefined): string => {
  const text = String(object?.text ?? '');
  return object?.emoji === false ? text : emojify(text);
};
