import { proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities';
import { failureReason, failureType } from '../src/domain/failures';
import type { SmsBalanceInput, SmsBalanceResult, TestMessageInput, TestMessageResult } from './contract';

/*
 * What an administrator asks a provider now, from the settings (R3, R4): run
 * as short workflows so that only workers hold provider connections.
 */

/** A person asked for an answer now: one attempt, and the provider's own words back. */
const { sendTestMessage, querySmsBalance } = proxyActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  retry: { maximumAttempts: 1 },
});

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
