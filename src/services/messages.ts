import type { Db } from '../db/client';
import { createJournalRepository, type MessageGroupFilter } from '../db/repositories/journal';
import { buildMessages, type MessageStatus, type MessageView } from '../domain/messages';
import type { Channel } from '../domain/vocabulary';

export interface MessageFilter extends Omit<MessageGroupFilter, 'limit'> {
  /** The channel that delivered or was last tried. */
  channel?: Channel | undefined;
  /** The message's final status. */
  status?: MessageStatus | undefined;
  limit: number;
}

export interface MessagePage {
  items: MessageView[];
  /** The cursor of the next page: the first entry id of this page's last message. */
  next: number | null;
}

/**
 * Messages (one per event and recipient), newest first, a page at a time.
 * The database filters on what every step of a message shares; the final
 * status and channel come from folding the steps, so those two filters are
 * applied here, reading further batches until the page is full.
 */
export async function listMessages(db: Db, companyId: string, filter: MessageFilter): Promise<MessagePage> {
  const journal = createJournalRepository(db);
  const { channel, status, limit, ...groupFilter } = filter;
  const batch = channel || status ? Math.max(limit * 4, 100) : limit + 1;
  const items: MessageView[] = [];
  let before = groupFilter.before;
  for (;;) {
    const { groups, entries } = await journal.listMessageEntries(companyId, { ...groupFilter, before, limit: batch });
    const messages = buildMessages(entries);
    for (const message of messages) {
      if ((channel && message.channel !== channel) || (status && message.status !== status)) continue;
      items.push(message);
      if (items.length > limit) break;
    }
    if (items.length > limit || groups < batch || messages.length === 0) break;
    before = messages.at(-1)!.firstEntryId;
  }
  const page = items.slice(0, limit);
  return { items: page, next: items.length > limit ? page.at(-1)!.firstEntryId : null };
}
