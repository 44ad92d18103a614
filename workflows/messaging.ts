import { ActivityFailure, ApplicationFailure, proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities';
import type {
  SmsBalanceResult,
  TelegramUpdateInput,
  TelegramUpdateResult,
  TestMessageInput,
  TestMessageResult,
} from './contract';

const { applyTelegramUpdate, sendTelegramReply } = proxyActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', maximumAttempts: 5, nonRetryableErrorTypes: ['BlockedError', 'NotSubscribedError', 'InvalidRecipientError', 'RejectedError'] },
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
    if (!(err instanceof ActivityFailure && err.cause instanceof ApplicationFailure && err.cause.nonRetryable)) throw err;
  }
  return { reply: reply.kind };
}

/** R3: one test message now, through the company's configured provider. */
export async function testMessage(input: TestMessageInput): Promise<TestMessageResult> {
  try {
    return { ok: true, ...(await sendTestMessage(input)) };
  } catch (err) {
    const cause = err instanceof ActivityFailure ? err.cause : err;
    if (cause instanceof ApplicationFailure) {
      const reason = cause.details?.[0];
      return { ok: false, error: typeof reason === 'string' && reason ? reason : cause.message, ...(cause.type ? { errorType: cause.type } : {}) };
    }
    return { ok: false, error: cause instanceof Error ? cause.message : String(cause) };
  }
}

/** R4: the SMS balance now. */
export async function smsBalance(input: { companyId: string }): Promise<SmsBalanceResult> {
  try {
    return { ok: true, ...(await querySmsBalance(input)) };
  } catch (err) {
    const cause = err instanceof ActivityFailure ? err.cause : err;
    return { ok: false, error: cause instanceof Error ? cause.message : String(cause) };
  }
}
