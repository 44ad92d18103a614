export { notifyEvent } from './notify-event';
