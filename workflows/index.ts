import type { WorkflowContract } from './contract';
import { checkSmsBalance } from './check-sms-balance';
import { dispatchEmailOutbox } from './dispatch-email-outbox';
import { manualSend } from './manual-send';
import { smsBalance, testMessage } from './provider-checks';
import { telegramUpdate } from './telegram-update';
import { notifyEvent } from './notify-event';
import { pollTelegram } from './telegram-poll';
import { purgeJournal } from './purge-journal';

/** The workflow types the worker registers: their export names are the type names. */
export { notifyEvent, manualSend, telegramUpdate, testMessage, smsBalance, pollTelegram, dispatchEmailOutbox, checkSmsBalance, purgeJournal };

// The client starts workflows by name against WorkflowContract: a signature that drifts from it fails to compile here.
({ notifyEvent, manualSend, telegramUpdate, testMessage, smsBalance, pollTelegram, dispatchEmailOutbox, checkSmsBalance, purgeJournal }) satisfies WorkflowContract;
