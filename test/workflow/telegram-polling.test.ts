import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTelegramBotApi, type TelegramBotApiPeer } from '../../src/dev/peers/telegram-bot-api';
import { createHarness, type Harness } from '../helpers/harness';
import { putClient, until } from '../helpers/scenario';

describe('Telegram updates by long polling when no webhook URL exists (R5)', () => {
  let h: Harness;
  let telegram: TelegramBotApiPeer;

  beforeAll(async () => {
    telegram = await startTelegramBotApi({ botUsername: 'polling_notify_bot' });
    h = await createHarness({ mode: 'live', telegramApiRoot: telegram.apiRoot });
    await putClient(h, 'poll-client', [{ name: 'Семён', phone: '+79160000200' }]);
  });
  afterAll(async () => {
    await h?.temporal.workflow
      .getHandle(`telegram-poll:${h.companyId}`)
      .terminate('test finished')
      .catch(() => undefined);
    await h?.close();
    await telegram?.stop();
  });

  it('starts polling when the bot token is set, and a /start written to the bot binds the chat', async () => {
    const settings = await h.request({
      method: 'PUT',
      url: '/v1/settings',
      payload: { telegram: { botToken: telegram.token, botUsername: 'polling_notify_bot' } },
    });
    expect(settings.statusCode, settings.body).toBe(200);
    expect(settings.json().telegram.updates).toBe('polling');
    expect((await h.temporal.workflow.getHandle(`telegram-poll:${h.companyId}`).describe()).status.name).toBe('RUNNING');

    const link = (await h.request({ method: 'GET', url: '/v1/counterparties/poll-client' })).json().contacts[0].telegram.link as string;
    telegram.queueUpdate({ chatId: 8100, text: `/start ${new URL(link).searchParams.get('start')}` });

    await until(async () => {
      const contact = (await h.request({ method: 'GET', url: '/v1/counterparties/poll-client' })).json().contacts[0];
      return contact.telegram.chatId === '8100' ? true : undefined;
    }, 'the chat to be bound through polling');
    await until(() => (telegram.sent.some((m) => m.chatId === '8100' && m.text.startsWith('Семён, вы подписаны')) ? true : undefined), 'the confirmation');
  });
});
