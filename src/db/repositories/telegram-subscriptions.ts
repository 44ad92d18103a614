import { and, eq } from 'drizzle-orm';
import type { Db } from '../client';
import { contacts, type Contact } from '../schema';

/** The contacts' Telegram chats, bound and unbound by the clients themselves (R5). */
export function createTelegramSubscriptionRepository(db: Db) {
  return {
    async findContactByLinkToken(companyId: string, token: string): Promise<Contact | undefined> {
      const [row] = await db
        .select()
        .from(contacts)
        .where(and(eq(contacts.companyId, companyId), eq(contacts.telegramLinkToken, token)));
      return row;
    },

    /** Binds the chat and replaces the link token, so the used link cannot bind another chat. */
    async bindChat(contactId: number, chatId: string, nextLinkToken: string): Promise<void> {
      await db.update(contacts).set({ telegramChatId: chatId, telegramLinkToken: nextLinkToken }).where(eq(contacts.id, contactId));
    },

    /** The company's contacts whose Telegram chat this is (usually one). */
    async contactsOfChat(companyId: string, chatId: string): Promise<{ id: number; counterpartyId: string; name: string }[]> {
      return db
        .select({ id: contacts.id, counterpartyId: contacts.counterpartyId, name: contacts.name })
        .from(contacts)
        .where(and(eq(contacts.companyId, companyId), eq(contacts.telegramChatId, chatId)))
        .orderBy(contacts.id);
    },

    /** Unbinds the chat from every contact of the company it was bound to; returns those contacts. */
    async unbindChat(companyId: string, chatId: string): Promise<{ id: number; counterpartyId: string }[]> {
      return db
        .update(contacts)
        .set({ telegramChatId: null })
        .where(and(eq(contacts.companyId, companyId), eq(contacts.telegramChatId, chatId)))
        .returning({ id: contacts.id, counterpartyId: contacts.counterpartyId });
    },
  };
}

export type TelegramSubscriptionRepository = ReturnType<typeof createTelegramSubscriptionRepository>;
