import type { App } from '@slack/bolt';
import { ACTION, ALERT_ACTION, CALLBACK, DOCTOR_ACTION, SENDER_ID_ACTION, SENDER_ID_BLOCK } from '../ids.js';
import {
  acknowledgeAlertListener,
  endSnoozeListener,
  muteRuleListener,
  openDoctorListener,
  retryNowListener,
  showFailingListener,
  snoozeAlertListener,
  unmuteRuleListener,
} from './actions/alertActions.js';
import { doctorFixButtonListener, doctorIgnoreButtonListener } from './actions/doctorActions.js';
import { cancelForgetListener, confirmForgetListener } from './actions/forgetActions.js';
import { groupedAnswerListener } from './actions/groupedAnswerAction.js';
import { cancelSenderIdDeleteListener, confirmSenderIdDeleteListener } from './actions/senderIdDeleteActions.js';
import { openSenderIdFormListener, senderIdTypeSwitchListener } from './actions/senderIdFormActions.js';
import {
  cancelReplayListener,
  cancelWebhookListener,
  confirmReplayListener,
  confirmWebhookListener,
  enableInboundButtonListener,
  pointWebhookButtonListener,
  undoRouteButtonListener,
  usePortsipRouteButtonListener,
} from './actions/setupActions.js';
import { smsCommandListener } from './commands/sms.js';
import type { SlackDeps } from './context.js';
import { appHomeOpenedListener } from './events/appHome.js';
import { channelSharedListener } from './events/channelShared.js';
import { threadReplyListener } from './events/threadReply.js';
import { appUninstalledListener, tokensRevokedListener } from './events/tokenRevocation.js';
import { senderIdNumberOptionsListener } from './options/senderIdNumberOptions.js';
import { acknowledgeUnusedInteractions, SMS_COMMAND } from './unusedInteractions.js';
import { senderIdSubmissionListener } from './views/senderIdSubmission.js';

/** Every listener smsops registers, in one place: command, view submissions, actions, options, events, and the rest acked. */
export function registerListeners(
  app: App,
  deps: SlackDeps,
  options: { optionsAnswerWithinMs: number; botUserId?: () => string | undefined },
): void {
  app.use(acknowledgeUnusedInteractions(deps.logger));
  app.command(SMS_COMMAND, smsCommandListener(deps));

  app.view(CALLBACK.senderIdCreate, senderIdSubmissionListener(deps));

  app.action(SENDER_ID_ACTION.type, senderIdTypeSwitchListener(deps));
  app.action(ACTION.openSenderIdForm, openSenderIdFormListener(deps));
  app.action(ACTION.enableInbound, enableInboundButtonListener(deps));
  app.action(ACTION.pointWebhookAtSmsops, pointWebhookButtonListener(deps));
  app.action(ACTION.confirmWebhook, confirmWebhookListener(deps));
  app.action(ACTION.cancelWebhook, cancelWebhookListener(deps));
  app.action(ACTION.usePortsipRoute, usePortsipRouteButtonListener(deps));
  app.action(ACTION.undoRoute, undoRouteButtonListener(deps));
  app.action(ACTION.confirmReplay, confirmReplayListener(deps));
  app.action(ACTION.answerGrouped, groupedAnswerListener(deps));
  app.action(ACTION.cancelReplay, cancelReplayListener(deps));
  app.action(ACTION.confirmForget, confirmForgetListener(deps));
  app.action(ACTION.cancelForget, cancelForgetListener(deps));
  app.action(ACTION.confirmSenderIdDelete, confirmSenderIdDeleteListener(deps));
  app.action(ACTION.cancelSenderIdDelete, cancelSenderIdDeleteListener(deps));
  app.action(ALERT_ACTION.acknowledge, acknowledgeAlertListener(deps));
  app.action(ALERT_ACTION.snooze1h, snoozeAlertListener(deps, '1h'));
  app.action(ALERT_ACTION.snooze24h, snoozeAlertListener(deps, '24h'));
  app.action(ALERT_ACTION.endSnooze, endSnoozeListener(deps));
  app.action(ALERT_ACTION.mute, muteRuleListener(deps));
  app.action(ALERT_ACTION.unmute, unmuteRuleListener(deps));
  app.action(ALERT_ACTION.showFailing, showFailingListener(deps));
  app.action(ALERT_ACTION.retryNow, retryNowListener(deps));
  app.action(ALERT_ACTION.openDoctor, openDoctorListener(deps));
  app.action(DOCTOR_ACTION.ignoreNumber, doctorIgnoreButtonListener(deps));
  app.action(DOCTOR_ACTION.fixEnableInbound, doctorFixButtonListener(deps, 'enable_inbound'));
  app.action(DOCTOR_ACTION.fixPointWebhook, doctorFixButtonListener(deps, 'point_webhook_at_smsops'));

  app.options(
    { type: 'block_suggestion', block_id: SENDER_ID_BLOCK.valueNumber, action_id: SENDER_ID_ACTION.value },
    senderIdNumberOptionsListener(deps, { answerWithinMs: options.optionsAnswerWithinMs }),
  );

  app.event('app_home_opened', appHomeOpenedListener(deps));
  app.event('message', threadReplyListener(deps));
  app.event('channel_shared', channelSharedListener(deps));
  const revocation = {
    revoked: deps.onBotTokenRevoked ?? (() => {}),
    botUserId: options.botUserId ?? (() => undefined),
    logger: deps.logger,
  };
  app.event('app_uninstalled', appUninstalledListener(revocation));
  app.event('tokens_revoked', tokensRevokedListener(revocation));
}
