export { notifyEvent } from './notify-event';
export { manualSend } from './manual-send';
export { telegramUpdate, testMessage, smsBalance } from './messaging';
