import { proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities';
import { failureReason, failureType, PERMANENT_FAILURE_TYPES } from '../src/domain/failures';
import type {
  SmsBalanceInput,
  SmsBalanceResult,
  TelegramUpdateInput,
  TelegramUpdateResult,
  TestMessageInput,
  TestMessageResult,
} from './contract';

const { applyTelegramUpdate, sendTelegramReply } = proxyActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', maximumAttempts: 5, nonRetryableErrorTypes: [...PERMANENT_FAILURE_TYPES] },
});

/** A person asked for an answer now: one attempt, and the provider's own words back. */
const { sendTestMessage, querySmsBalance } = proxyActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  retry: { maximumAttempts: 1 },
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

/** R3: one test message now, through the company's configured provider. */
export async function testMessage(input: TestMessageInput): Promise<TestMessageResult> {
  try {
    return { ok: true, ...(await sendTestMessage(input)) };
  } catch (err) {
    const type = failureType(err);
    return { ok: false, error: failureReason(err).message, ...(type ? { errorType: type } : {}) };
  }
}

/** R4: the SMS balance now. */
export async function smsBalance(input: SmsBalanceInput): Promise<SmsBalanceResult> {
  try {
    return { ok: true, ...(await querySmsBalance(input)) };
  } catch (err) {
    return { ok: false, error: failureReason(err).message };
  }
}
