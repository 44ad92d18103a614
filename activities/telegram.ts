import { CancelledFailure, Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type { TelegramUpdate } from '../src/channels/telegram';
import { createCompanyRepository } from '../src/db/repositories/companies';
import { applyTelegramUpdate, type TelegramReply } from '../src/services/telegram-subscriptions';
import type { TelegramUpdateInput } from '../workflows/contract';
import { currentExecution } from './context';
import type { ActivityDeps } from './deps';
import { toActivityFailure } from './failures';

/** A company's bot (R5): subscriptions from updates, replies, and long polling where no webhook exists. */
export function createTelegramActivities({ db, channels }: ActivityDeps) {
  const companies = createCompanyRepository(db);
  return {
    async applyTelegramUpdate(input: TelegramUpdateInput): Promise<TelegramReply | null> {
      const { workflowId, runId } = currentExecution();
      return applyTelegramUpdate(db, input.companyId, input.update as TelegramUpdate, { workflowId, runId });
    },

    async sendTelegramReply(input: { companyId: string; chatId: string; text: string }): Promise<void> {
      const { telegram } = await channels.forCompany(input.companyId);
      if (!telegram) throw ApplicationFailure.nonRetryable('the company has no Telegram bot token', 'NotConfigured');
      try {
        await telegram.sendText(input.chatId, input.text);
      } catch (err) {
        throw toActivityFailure(err);
      }
    },

    /**
     * One long poll of the company's bot. `stop` when polling is not this
     * company's way of getting updates (no token, or a webhook is set).
     */
    async pollTelegramUpdates(input: { companyId: string; offset: number }): Promise<{ stop: boolean; updates: TelegramUpdateInput['update'][] }> {
      const company = await companies.find(input.companyId);
      const { telegram } = await channels.forCompany(input.companyId);
      if (!company || !telegram || company.telegram.webhookSecretHash) return { stop: true, updates: [] };
      try {
        // A worker shutting down cancels the activity; do not hold it for the rest of the long poll.
        const updates = await Promise.race([telegram.getUpdates(input.offset, 25), Context.current().cancelled]);
        return { stop: false, updates: updates as TelegramUpdateInput['update'][] };
      } catch (err) {
        if (err instanceof CancelledFailure) throw err;
        throw toActivityFailure(err);
      }
    },
  };
}
