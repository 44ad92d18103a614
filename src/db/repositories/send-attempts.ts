import { eq, sql } from 'drizzle-orm';
import type { Channel } from '../../domain/vocabulary';
import type { Db } from '../client';
import { sendAttempts, type SendAttempt } from '../schema';

/**
 * The `sending` markers of the duplicate window: written before a provider is
 * called, filled in with the provider's ids as it answers, read by a retry
 * that finds no `sent` entry in the journal.
 */
export function createSendAttemptRepository(db: Db) {
  return {
    async find(stepKey: string): Promise<SendAttempt | undefined> {
      const [row] = await db.select().from(sendAttempts).where(eq(sendAttempts.stepKey, stepKey));
      return row;
    },

    /** Marks the message `sending`; idempotent by its step key (an existing marker is kept as it is). */
    async begin(stepKey: string, companyId: string, channel: Channel, parts: number): Promise<void> {
      await db.insert(sendAttempts).values({ stepKey, companyId, channel, parts }).onConflictDoNothing({ target: sendAttempts.stepKey });
    },

    /** Forgets a marker whose message is known not to be at the provider, so the next call starts afresh. */
    async restart(stepKey: string, parts: number): Promise<void> {
      await db
        .update(sendAttempts)
        .set({ state: 'sending', provider: null, providerMessageIds: [], parts, updatedAt: sql`now()` })
        .where(eq(sendAttempts.stepKey, stepKey));
    },

    /** Drops the marker: the attempt failed in a way that left nothing at the provider. */
    async clear(stepKey: string): Promise<void> {
      await db.delete(sendAttempts).where(eq(sendAttempts.stepKey, stepKey));
    },

    /** Adds the provider's id of one accepted part; `accepted` once every part has one. */
    async partAccepted(stepKey: string, provider: string, index: number, providerMessageId: string): Promise<void> {
      await db
        .update(sendAttempts)
        .set({
          provider,
          providerMessageIds: sql`(${sendAttempts.providerMessageIds})[1:${index}] || array[${providerMessageId}]::text[]`,
          state: sql`case when ${index + 1} >= ${sendAttempts.parts} then 'accepted' else 'sending' end`,
          updatedAt: sql`now()`,
        })
        .where(eq(sendAttempts.stepKey, stepKey));
    },
  };
}
