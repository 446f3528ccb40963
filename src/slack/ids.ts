/**
 * Callback, block and action ids shared by the Block Kit builders and the listeners that read them back. One place,
 * so a renamed id cannot silently break a handler.
 */
export const CALLBACK = {
  senderIdCreate: 'senderid_create',
} as const;

/** Input blocks of the Sender ID form; `response_action: errors` keys on these. */
export const SENDER_ID_BLOCK = {
  type: 'sid_type',
  /** Different blocks per type, so Slack does not carry a typed text into the number select (or back). */
  valueText: 'sid_value_text',
  valueNumber: 'sid_value_number',
  countries: 'sid_countries',
  usecase: 'sid_usecase',
  volume: 'sid_volume',
  samples: 'sid_samples',
  notice: 'sid_notice',
} as const;

export const SENDER_ID_ACTION = {
  type: 'sid_type_choice',
  value: 'sid_value_input',
  countries: 'sid_countries_choice',
  usecase: 'sid_usecase_choice',
  volume: 'sid_volume_choice',
  samples: 'sid_samples_input',
} as const;

export const ACTION = {
  enableInbound: 'number_enable_inbound',
  pointWebhookAtSmsops: 'webhook_point_at_smsops',
  confirmWebhook: 'webhook_confirm_replace',
  cancelWebhook: 'webhook_cancel',
  openSenderIdForm: 'senderid_open_form',
  usePortsipRoute: 'portsip_use_route',
  /** "Put back" on a route change's answer (value: the token of the change it undoes, held in memory). */
  undoRoute: 'route_undo',
  confirmReplay: 'relay_replay_confirm',
  cancelReplay: 'relay_replay_cancel',
  confirmForget: 'customer_forget_confirm',
  cancelForget: 'customer_forget_cancel',
  /** "Answer" beside one customer's SMS in a grouped post (value: the inbound message id): starts their thread. */
  answerGrouped: 'grouped_sms_answer',
  confirmSenderIdDelete: 'senderid_delete_confirm',
  cancelSenderIdDelete: 'senderid_delete_cancel',
} as const;

/** Buttons on an alert's message (value: the alert id and its opening time), and "Unmute" in `/sms alerts` (value: the rule). */
export const ALERT_ACTION = {
  acknowledge: 'alert_acknowledge',
  snooze1h: 'alert_snooze_1h',
  snooze24h: 'alert_snooze_24h',
  /** "End snooze" on a snoozed alert: the channel hears of it again now. */
  endSnooze: 'alert_snooze_end',
  mute: 'alert_mute_rule',
  unmute: 'alert_unmute_rule',
  showFailing: 'alert_show_failing_deliveries',
  retryNow: 'alert_retry_now',
  openDoctor: 'alert_open_doctor',
} as const;

/** Buttons of the `/sms doctor` report: its fixes refresh the report once applied. */
export const DOCTOR_ACTION = {
  ignoreNumber: 'doctor_ignore_number',
  fixEnableInbound: 'doctor_fix_enable_inbound',
  fixPointWebhook: 'doctor_fix_point_webhook',
} as const;
