import { proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities';
import { failureReason, PERMANENT_FAILURE_TYPES } from '../src/domain/failures';
import type { TelegramUpdateInput, TelegramUpdateResult } from './contract';

const { applyTelegramUpdate, sendTelegramReply } = proxyActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', maximumAttempts: 5, nonRetryableErrorTypes: [...PERMANENT_FAILURE_TYPES] },
});

/**
 * One update of a company's bot (R5). The workflow id carries the update id,
 * so Telegram redelivering an update changes nothing and answers nothing twice.
 */
export async function telegramUpdate(input: TelegramUpdateInput): Promise<TelegramUpdateResult> {
  const reply = await applyTelegramUpdate(input);
  if (!reply) return { reply: null };
  try {
    await sendTelegramReply({ companyId: input.companyId, chatId: reply.chatId, text: reply.text });
  } catch (err) {
    // A client who blocked the bot right after writing to it gets no answer; nothing else to do.
    if (!failureReason(err).permanent) throw err;
  }
  return { reply: reply.kind };
}
