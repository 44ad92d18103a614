import { ActivityFailure, ApplicationFailure, RetryState } from '@temporalio/common';
import { describe, expect, it } from 'vitest';
import * as channelErrors from '../../src/channels/errors';
import { failureReason, failureType, isPermanentFailureType, PERMANENT_FAILURE_TYPES } from '../../src/domain/failures';
import {
  deliveryReportStepKey,
  eventWorkflowId,
  manualSendWorkflowId,
  outboxKeys,
  routeStep,
  statusChangeStepKey,
  stepKey,
  telegramPollWorkflowId,
  telegramUpdateWorkflowId,
} from '../../src/domain/keys';

/** A failure as a workflow sees it: an activity failure caused by the activity's application failure. */
function fromActivity(cause: ApplicationFailure): ActivityFailure {
  return new ActivityFailure('activity failed', 'sendMessage', 'send-1', RetryState.NON_RETRYABLE_FAILURE, undefined, cause);
}

describe('PERMANENT_FAILURE_TYPES', () => {
  it('names every permanent channel error and no transient one', () => {
    const { ChannelError, RateLimitedError, ...others } = channelErrors;
    const permanent = [new RateLimitedError('x', 1), ...Object.values(others).map((E) => new E('x'))].map((error) => {
      expect(error).toBeInstanceOf(ChannelError);
      return [error.name, error.permanent] as const;
    });
    expect(permanent.length).toBeGreaterThanOrEqual(6);
    for (const [name, isPermanent] of permanent) expect(isPermanentFailureType(name), name).toBe(isPermanent);
    expect(PERMANENT_FAILURE_TYPES).toContain('TemplateError');
  });
});

describe('failureReason', () => {
  it("gives the provider's own words, the type and permanence of an activity's application failure", () => {
    const err = fromActivity(ApplicationFailure.create({ message: 'recipient refused', type: 'RejectedError', details: ['550 5.1.1 no such user'] }));
    expect(failureReason(err)).toEqual({
      message: '550 5.1.1 no such user',
      permanent: true,
      details: { type: 'RejectedError', error: 'recipient refused' },
    });
    expect(failureType(err)).toBe('RejectedError');
  });

  it("falls back to the failure's message, and counts a non-retryable failure of any type as permanent", () => {
    const err = fromActivity(ApplicationFailure.nonRetryable('no SMS provider is configured', 'NotConfigured'));
    expect(failureReason(err)).toMatchObject({ message: 'no SMS provider is configured', permanent: true });
  });

  it('takes a transient failure as transient', () => {
    const err = fromActivity(ApplicationFailure.create({ message: 'connection refused', type: 'UnavailableError', details: [null] }));
    expect(failureReason(err)).toMatchObject({ message: 'connection refused', permanent: false });
  });

  it('reads a plain error and a thrown value', () => {
    expect(failureReason(new Error('boom'))).toEqual({ message: 'boom', permanent: false, details: { type: 'Error' } });
    expect(failureReason('odd')).toEqual({ message: 'odd', permanent: false, details: {} });
    expect(failureType(new Error('boom'))).toBeUndefined();
  });
});

describe('keys', () => {
  // These formats are a contract: running workflows and stored journal rows depend on them.
  it('keeps the workflow id formats', () => {
    expect(eventWorkflowId('acme', 'order-1')).toBe('event:acme:order-1');
    expect(manualSendWorkflowId('acme', 42)).toBe('manual-send:acme:42');
    expect(telegramUpdateWorkflowId('acme', 9001)).toBe('telegram-update:acme:9001');
    expect(telegramPollWorkflowId('acme')).toBe('telegram-poll:acme');
  });

  it('derives the outbox, delivery report and status change keys from the keys they answer', () => {
    const queued = stepKey('event:acme:order-1', routeStep('client:contact-7', 'email', 'queued'));
    expect(queued).toBe('event:acme:order-1/client:contact-7/email/queued');
    const keys = outboxKeys(queued);
    expect(keys.sent).toBe(stepKey('event:acme:order-1', routeStep('client:contact-7', 'email', 'sent')));
    expect(keys.failed).toBe('event:acme:order-1/client:contact-7/email/failed');
    expect(keys.dispatchAttempt('run:0')).toBe('event:acme:order-1/client:contact-7/email/dispatch-run:0');
    expect(deliveryReportStepKey(keys.sent, 'delivered')).toBe('event:acme:order-1/client:contact-7/email/delivered');
    expect(statusChangeStepKey('event:acme:order-1/client:contact-7/tracked', 2)).toBe('event:acme:order-1/client:contact-7/tracked/status/2');
  });
});
