import { proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities';
import { failureReason, PERMANENT_FAILURE_TYPES } from '../src/domain/failures';
import type { CheckSmsBalanceInput, CheckSmsBalanceResult } from './contract';

const { checkBalance } = proxyActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumAttempts: 3, nonRetryableErrorTypes: ['NotFound'] },
});

const { sendBalanceAlert } = proxyActivities<Activities>({
  startToCloseTimeout: '1 minute',
  retry: {
    initialInterval: '5 seconds',
    backoffCoefficient: 2,
    maximumAttempts: 3,
    nonRetryableErrorTypes: [...PERMANENT_FAILURE_TYPES],
  },
});

/**
 * The SMS balance check (R4, R17): below the company's threshold the
 * administrator gets one e-mail, and another only after the balance has been
 * back at or above the threshold and fallen below it again. The "already
 * alerted" state lives in the database, since every scheduled check is a new workflow.
 */
export async function checkSmsBalance(input: CheckSmsBalanceInput): Promise<CheckSmsBalanceResult> {
  let check;
  try {
    check = await checkBalance({ companyId: input.companyId });
  } catch (err) {
    return { status: 'unavailable', reason: failureReason(err).message };
  }
  if (check.status === 'no_threshold') return { status: 'no_threshold' };
  if (check.status !== 'checked') return { status: check.status, threshold: check.threshold, reason: check.reason };

  const reading = {
    amount: check.amount,
    threshold: check.threshold,
    ...(check.currency !== undefined ? { currency: check.currency } : {}),
  };
  if (!check.below) return { status: 'ok', ...reading };
  if (!check.alertDue) return { status: 'below', ...reading, alert: 'already_sent' };
  try {
    const alert = await sendBalanceAlert({
      companyId: input.companyId,
      episode: check.episode,
      provider: check.provider,
      ...reading,
    });
    return { status: 'below', ...reading, alert: alert.outcome };
  } catch (err) {
    return { status: 'below', ...reading, alert: 'failed', reason: failureReason(err).message };
  }
}
