import { randomBytes } from 'node:crypto';
import { parseStartCommand, type TelegramUpdate } from '../channels/telegram';
import type { Db } from '../db/client';
import { createCompanyRepository } from '../db/repositories/companies';
import { createConfigChangeRepository } from '../db/repositories/config-changes';
import { createJournalRepository } from '../db/repositories/journal';
import { createTelegramSubscriptionRepository } from '../db/repositories/telegram-subscriptions';

/** What the bot answers to one update, if anything. */
export interface TelegramReply {
  chatId: string;
  text: string;
  kind: 'subscribed' | 'unknown_link' | 'unsubscribed' | 'auto_reply';
}

/**
 * Applies one message a client wrote to the company's bot (R5):
 * `/start <token>` binds the chat to the contact whose deep link carries the
 * token, `/stop` unbinds it, and anything else gets the auto-reply when
 * "chat with client" is off. Idempotent: applying the same update twice
 * leaves the same state and the same answer.
 */
export async function applyTelegramUpdate(
  db: Db,
  companyId: string,
  update: TelegramUpdate,
  run: { workflowId: string; runId: string | null } = { workflowId: '', runId: null },
): Promise<TelegramReply | null> {
  const message = update.message;
  if (!message?.text || message.chat.type !== 'private') return null;
  const chatId = String(message.chat.id);
  const company = await createCompanyRepository(db).find(companyId);
  if (!company) return null;
  const subscriptions = createTelegramSubscriptionRepository(db);
  const command = parseStartCommand(message.text, company.telegram.botUsername);

  if (command.command === 'start') {
    if (!command.payload) {
      return { chatId, kind: 'unknown_link', text: 'Чтобы получать уведомления, откройте ссылку-приглашение от вашего менеджера.' };
    }
    const contact = await subscriptions.findContactByLinkToken(companyId, command.payload);
    if (!contact) {
      return { chatId, kind: 'unknown_link', text: 'Ссылка недействительна. Попросите менеджера прислать новую.' };
    }
    if (contact.telegramChatId !== chatId) {
      // The link is single-use: a forwarded copy must not take the subscription over later.
      await subscriptions.bindChat(contact.id, chatId, randomBytes(12).toString('base64url'));
      await recordBinding(db, companyId, chatId, contact, contact.telegramChatId, chatId);
    }
    return {
      chatId,
      kind: 'subscribed',
      text: `${contact.name}, вы подписаны на уведомления ${company.name}. Чтобы отписаться, отправьте /stop.`,
    };
  }

  if (command.command === 'stop') {
    const bound = await subscriptions.unbindChat(companyId, chatId);
    for (const contact of bound) {
      await recordBinding(db, companyId, chatId, contact, chatId, null);
    }
    return { chatId, kind: 'unsubscribed', text: 'Вы отписались от уведомлений. Чтобы подписаться снова, откройте ссылку-приглашение.' };
  }

  if (company.telegram.chatWithClient) {
    await journalInbound(db, companyId, chatId, update.update_id, message.text, run);
    return null;
  }
  if (company.telegram.autoReply.trim() !== '') {
    return { chatId, kind: 'auto_reply', text: company.telegram.autoReply };
  }
  return null;
}

/** The longest client message the journal keeps whole (Telegram's own limit is 4096). */
const INBOUND_TEXT_MAX = 4096;

/**
 * What a client wrote while "chat with client" is on: one journal row per
 * update (Telegram's `update_id` makes it idempotent), under the client whose
 * contact the chat is bound to, so their manager finds it beside the client's
 * messages. A chat bound to nobody is kept too, under no client.
 */
async function journalInbound(
  db: Db,
  companyId: string,
  chatId: string,
  updateId: number,
  text: string,
  run: { workflowId: string; runId: string | null },
): Promise<void> {
  const [contact] = await createTelegramSubscriptionRepository(db).contactsOfChat(companyId, chatId);
  await createJournalRepository(db).record({
    companyId,
    stepKey: `telegram-inbound:${companyId}:${updateId}`,
    eventId: `telegram-inbound:${updateId}`,
    eventType: INBOUND_EVENT_TYPE,
    counterpartyId: contact?.counterpartyId ?? '',
    workflowId: run.workflowId,
    runId: run.runId,
    status: 'inbound',
    audience: 'client',
    channel: 'telegram',
    recipient: chatId,
    recipientName: contact?.name ?? null,
    body: text.slice(0, INBOUND_TEXT_MAX),
    reason: contact ? `Сообщение клиента в Telegram (${contact.name})` : 'Сообщение в Telegram из чата, не привязанного к клиенту',
    details: { updateId, ...(contact ? { contactId: contact.id } : {}) },
  });
}

/** The event type of clients' own messages to the bot in the journal. */
export const INBOUND_EVENT_TYPE = 'telegram.inbound';

/** A client's chat bound or unbound by the client itself, in the configuration history. */
async function recordBinding(
  db: Db,
  companyId: string,
  chatId: string,
  contact: { id: number; counterpartyId: string },
  from: string | null,
  to: string | null,
): Promise<void> {
  await createConfigChangeRepository(db).record({
    companyId,
    actor: `telegram chat ${chatId}`,
    entity: 'counterparty',
    entityId: contact.counterpartyId,
    action: 'update',
    before: { contactId: contact.id, telegramChatId: from },
    after: { contactId: contact.id, telegramChatId: to },
  });
}
