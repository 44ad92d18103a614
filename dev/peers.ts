/**
 * Local stand-ins for the SMS gateway and the Telegram Bot API, for
 * `npm start` with embedded defaults only: real protocol servers on loopback
 * (the same ones the tests use), so a developer sees the whole path without
 * accounts at providers. Never used when SMS_URL / TELEGRAM_API_ROOT are set
 * or when the service runs against an external database.
 */
export { startSmsc } from '../test/peers/smsc';
export { startTelegramBotApi } from '../test/peers/telegram-bot-api';
