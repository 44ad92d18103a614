export { notifyEvent } from './notify-event';
export { manualSend } from './manual-send';
export { telegramUpdate, testMessage, smsBalance } from './messaging';
export { pollTelegram } from './telegram-poll';
export { dispatchEmailOutbox } from './dispatch-email-outbox';
export { checkSmsBalance } from './check-sms-balance';
