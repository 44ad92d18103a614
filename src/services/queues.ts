import type { Db } from '../db/client';
import { createQueueRepository, type QueueRow } from '../db/repositories/queues';
import type { JournalEntry } from '../db/schema';
import { BadRequestError } from '../domain/errors';

/** Who asks, as far as "my clients" goes: a signed-in person's manager id, or none (an API key, a person who is no manager). */
export interface QueueCaller {
  companyId: string;
  managerId: string | null;
}

export interface QueueQuery {
  mine?: boolean | undefined;
  counterpartyId?: string | undefined;
  cursor?: number | undefined;
  limit: number;
}

/** One message that would go out on approval, as the `awaiting_confirmation` step journaled it. */
export interface PendingText {
  deliveryKey: string;
  audience: string;
  recipientName: string;
  channel: string;
  recipient: string;
  subject?: string;
  text: string;
  error?: string;
}

/** An event awaiting a person's decision (R13), with the texts that would go out. */
export interface ConfirmationItem {
  entryId: number;
  eventId: string;
  eventType: string;
  eventTypeName: string | null;
  counterpartyId: string;
  counterpartyName: string | null;
  managerId: string | null;
  createdAt: Date;
  /** When the event expires without a decision. */
  expiresAt: Date | null;
  pending: PendingText[];
}

/** A "not sent, tracked by manager" entry (R14) with the names a person reads it by. */
export interface TrackedItem {
  entry: JournalEntry;
  eventTypeName: string | null;
  counterpartyName: string | null;
  managerId: string | null;
}

export interface QueuePage<T> {
  items: T[];
  next: number | null;
}

/** `mine` asks for the caller's own clients: only a signed-in manager has some. */
function managerFilter(caller: QueueCaller, mine: boolean | undefined): string | undefined {
  if (!mine) return undefined;
  if (!caller.managerId) {
    throw new BadRequestError('mine=true needs a signed-in user who is a responsible manager', [
      { path: '/mine', message: 'only a signed-in user linked to a manager has "my clients"; an API key or a user without a manager cannot use it' },
    ]);
  }
  return caller.managerId;
}

const pendingOf = (entry: JournalEntry): PendingText[] => {
  const pending = (entry.details as { pending?: unknown } | null)?.pending;
  return Array.isArray(pending) ? (pending as PendingText[]) : [];
};

const expiresAtOf = (entry: JournalEntry): Date | null => {
  const seconds = (entry.details as { timeoutSeconds?: unknown } | null)?.timeoutSeconds;
  return typeof seconds === 'number' ? new Date(entry.createdAt.getTime() + seconds * 1000) : null;
};

function page<T>(rows: QueueRow[], limit: number, map: (row: QueueRow) => T): QueuePage<T> {
  const items = rows.slice(0, limit);
  return { items: items.map(map), next: rows.length > limit ? (items[items.length - 1]?.entry.id ?? null) : null };
}

/** The console's work queues (R13, R14, R20), computed by the database rather than by the browser. */
export function createQueueService(db: Db) {
  const queues = createQueueRepository(db);
  return {
    /** @throws BadRequestError for `mine` without a manager to ask for. */
    async confirmations(caller: QueueCaller, query: QueueQuery): Promise<QueuePage<ConfirmationItem>> {
      const rows = await queues.listAwaitingConfirmation(caller.companyId, {
        managerId: managerFilter(caller, query.mine),
        counterpartyId: query.counterpartyId,
        before: query.cursor,
        limit: query.limit,
      });
      return page(rows, query.limit, ({ entry, eventTypeName, counterpartyName, managerId }) => ({
        entryId: entry.id,
        eventId: entry.eventId,
        eventType: entry.eventType,
        eventTypeName,
        counterpartyId: entry.counterpartyId,
        counterpartyName,
        managerId,
        createdAt: entry.createdAt,
        expiresAt: expiresAtOf(entry),
        pending: pendingOf(entry),
      }));
    },

    /** @throws BadRequestError for `mine` without a manager to ask for. */
    async tracked(caller: QueueCaller, query: QueueQuery): Promise<QueuePage<TrackedItem>> {
      const rows = await queues.listTracked(caller.companyId, {
        managerId: managerFilter(caller, query.mine),
        counterpartyId: query.counterpartyId,
        before: query.cursor,
        limit: query.limit,
      });
      return page(rows, query.limit, ({ entry, eventTypeName, counterpartyName, managerId }) => ({ entry, eventTypeName, counterpartyName, managerId }));
    },

    /** @throws BadRequestError for `mine` without a manager to ask for. */
    async counts(caller: QueueCaller, query: Pick<QueueQuery, 'mine' | 'counterpartyId'>): Promise<{ confirmations: number; tracked: number }> {
      return queues.counts(caller.companyId, { managerId: managerFilter(caller, query.mine), counterpartyId: query.counterpartyId });
    },
  };
}
