export { notifyEvent } from './notify-event';
export { manualSend } from './manual-send';
