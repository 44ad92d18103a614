import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTelegramBotApi, type TelegramBotApiPeer } from '../../src/dev/peers/telegram-bot-api';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { writeAsClient, writeDevTelegramInfo } from '../../src/dev/telegram-client';
import { repoRoot } from '../../src/paths';
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

  it('lets a person write to the bot as a client without code: npm run dev:telegram prints the bot\'s answers', async () => {
    // The first contact was bound in the test above; the client's second contact subscribes here.
    await putClient(h, 'poll-client', [{ name: 'Семён', phone: '+79160000200' }, { name: 'Олег', phone: '+79160000201' }]);
    const contacts = (await h.request({ method: 'GET', url: '/v1/counterparties/poll-client' })).json().contacts as { name: string; telegram: { link: string } }[];
    const token = new URL(contacts.find((c) => c.name === 'Олег')!.telegram.link).searchParams.get('start')!;

    const subscribed = await writeAsClient(telegram.apiRoot, '8101', `/start ${token}`);
    expect(subscribed.delivery).toBe('getUpdates');
    expect(subscribed.answers.map((a) => a.text)).toEqual([expect.stringMatching(/^Олег, вы подписаны на уведомления/)]);

    // The command itself, as a person runs it beside `npm start` (which writes where its dev bot listens under DATA_DIR).
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'dev-telegram-'));
    writeDevTelegramInfo(dataDir, { apiRoot: telegram.apiRoot, botUsername: 'polling_notify_bot' });
    const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', 'src/dev/telegram-cli.ts', '--as', '8101', '/stop'], {
      cwd: repoRoot,
      env: { ...process.env, DATA_DIR: dataDir },
      timeout: 30_000,
    });
    expect(stdout).toContain('you (chat 8101) → @polling_notify_bot: /stop');
    expect(stdout).toContain('@polling_notify_bot → you: Вы отписались от уведомлений.');
    const oleg = (await h.request({ method: 'GET', url: '/v1/counterparties/poll-client' })).json().contacts.find((c: { name: string }) => c.name === 'Олег');
    expect(oleg.telegram.subscribed).toBe(false);
    fs.rmSync(dataDir, { recursive: true, force: true });
  });
});
