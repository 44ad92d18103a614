import { eq } from 'drizzle-orm';
import type { Db } from '../client';
import { smsBalanceAlerts, type SmsBalanceAlert } from '../schema';

/**
 * The SMS balance alert state of each company (R4): kept in the database
 * because every scheduled check is a new workflow.
 */
export function createSmsBalanceAlertRepository(db: Db) {
  return {
    /**
     * Records a reading: a fall below the threshold starts a new episode, a
     * reading at or above it ends the episode. Returns the state after it.
     */
    async recordCheck(companyId: string, reading: { below: boolean; amount: number; threshold: number }): Promise<SmsBalanceAlert> {
      return db.transaction(async (tx) => {
        await tx.insert(smsBalanceAlerts).values({ companyId }).onConflictDoNothing();
        const [current] = await tx.select().from(smsBalanceAlerts).where(eq(smsBalanceAlerts.companyId, companyId)).for('update');
        if (!current) throw new Error(`balance alert state of ${companyId} vanished`);
        const [updated] = await tx
          .update(smsBalanceAlerts)
          .set({
            below: reading.below,
            episode: reading.below && !current.below ? current.episode + 1 : current.episode,
            lastAmount: reading.amount,
            lastThreshold: reading.threshold,
            checkedAt: new Date(),
          })
          .where(eq(smsBalanceAlerts.companyId, companyId))
          .returning();
        return updated!;
      });
    },

    /**
     * Ends the current episode after the threshold or its unit changed: the
     * next reading below the new threshold starts a new episode with its own alert.
     */
    async restart(companyId: string): Promise<void> {
      await db.update(smsBalanceAlerts).set({ below: false }).where(eq(smsBalanceAlerts.companyId, companyId));
    },

    /**
     * Runs `fn` with the company's state row locked, so two alerts at once
     * cannot both go out; `markAlerted` records the episode's alert as sent.
     * If `fn` throws, nothing is marked.
     */
    async withLockedState<T>(
      companyId: string,
      fn: (state: SmsBalanceAlert | undefined, markAlerted: (episode: number) => Promise<void>) => Promise<T>,
    ): Promise<T> {
      return db.transaction(async (tx) => {
        const [state] = await tx.select().from(smsBalanceAlerts).where(eq(smsBalanceAlerts.companyId, companyId)).for('update');
        return fn(state, async (episode) => {
          await tx
            .update(smsBalanceAlerts)
            .set({ alertedEpisode: episode, alertedAt: new Date() })
            .where(eq(smsBalanceAlerts.companyId, companyId));
        });
      });
    },
  };
}
