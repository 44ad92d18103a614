import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { stableMessageId } from '../src/channels/email';
import { RateLimitedError } from '../src/channels/errors';
import type { SendResult } from '../src/channels/types';
import { createCompanyRepository } from '../src/db/repositories/companies';
import { createJournalRepository } from '../src/db/repositories/journal';
import { createLimitsRepository } from '../src/db/repositories/limits';
import { DEFAULT_LIMITS, SMS_LIMIT_FAILURE_TYPE, smsLimitReason } from '../src/domain/limits';
import { attemptStep, routeBase, routeStep, stepKey } from '../src/domain/keys';
import { analyzeSms } from '../src/domain/sms';
import { createMetrics, timed } from '../src/metrics';
import type { TestMessageInput, TestMessageResult } from '../workflows/contract';
import { currentExecution, eventLog, withHeartbeat } from './context';
import type { ActivityDeps } from './deps';
import { adapterFor, asChannelError, toActivityFailure } from './failures';
import { renderOrFail } from './render';
import type { RenderAndSendInput, SendMessageInput, SendMessageResult } from './types';

/** Provider calls: one message of an event or a manual send, and the test message (R3). */
export function createSendActivities({ db, channels, limits = DEFAULT_LIMITS, metrics = createMetrics({ processMetrics: false }) }: ActivityDeps) {
  const journal = createJournalRepository(db);
  const companies = createCompanyRepository(db);
  const counters = createLimitsRepository(db);

  /**
   * SMS pumping protection: refuses an SMS past the per-phone hourly or the
   * per-company daily limit, counted from the journal's `sent` SMS. Checked
   * just before the provider call; concurrent sends to one phone may each see
   * the last free slot, so the limit can be passed by the number of sends in flight.
   */
  const checkSmsLimits = async (companyId: string, to: string, audience: SendMessageInput['audience']): Promise<string | undefined> => {
    const sent = await counters.sentSms(companyId, to, 3600, 86_400);
    return smsLimitReason({ toRecipientLastHour: sent.toRecipient, byCompanyLastDay: sent.byCompany }, limits, audience);
  };

  return {
    /**
     * Sends one message and journals `sent`, or `attempt_failed` and a typed
     * failure. Journaled under keys derived from the workflow, the recipient
     * and the channel, so a retry after a lost answer does not send twice.
     */
    async sendMessage(input: SendMessageInput): Promise<SendMessageResult> {
      return sendOne(input, false);
    },

    /**
     * Renders the message (R9), journals `rendered`, sends it and journals
     * `sent` (or `attempt_failed`): one activity instead of three. A template
     * that does not render fails with the non-retryable `TemplateError` and
     * journals nothing.
     */
    async renderAndSend(input: RenderAndSendInput): Promise<SendMessageResult> {
      const { template, data, ...send } = input;
      const message = await renderOrFail({ channel: input.channel, template, data });
      return sendOne({ ...send, message }, true);
    },

    /** R3: sends one message now and returns the provider's answer. */
    async sendTestMessage(input: TestMessageInput): Promise<Omit<TestMessageResult, 'ok'>> {
      const { companyId, channel, to, text } = input;
      try {
        const adapter = await adapterFor(channels, companyId, channel);
        const company = await companies.find(companyId);
        const result = await adapter.send({
          to,
          text,
          ...(channel === 'email'
            ? { subject: 'Тестовое сообщение', from: { name: company?.emailFromName ?? '', address: company?.emailFrom ?? '' } }
            : {}),
        });
        return { provider: result.provider, providerMessageId: result.providerMessageId, response: result.response };
      } catch (err) {
        throw toActivityFailure(err);
      }
    },
  };

  /**
   * One message to the provider, journaled under keys derived from the
   * workflow, the recipient and the channel. With `journalRendered`, the
   * `rendered` entry is written first; when it is new, no earlier attempt can
   * have sent, and the look-up of an earlier `sent` is spared.
   */
  async function sendOne(input: SendMessageInput, journalRendered: boolean): Promise<SendMessageResult> {
    const info = Context.current().info;
    const { workflowId, runId } = currentExecution();
    const sentKey = stepKey(workflowId, routeStep(input.deliveryKey, input.channel, 'sent'));
    const rendered = journalRendered
      ? await timed((s) => metrics.journalWriteLatency.observe(s), () =>
          journal.record({
            ...input.scope,
            stepKey: stepKey(workflowId, routeStep(input.deliveryKey, input.channel, 'rendered')),
            workflowId,
            runId,
            status: 'rendered',
            audience: input.audience,
            channel: input.channel,
            recipient: input.to,
            recipientName: input.toName,
            subject: input.message.subject,
            body: input.message.text,
            details: input.message.html ? { html: input.message.html } : {},
          }),
        )
      : undefined;
    // A previous attempt may have sent and journaled it but died before Temporal heard back.
    const previous = rendered?.created ? undefined : await journal.findByStepKey(sentKey);
    if (previous) {
      return {
        provider: previous.provider ?? '',
        providerMessageId: previous.providerMessageId ?? '',
        response: 'already sent',
        entryId: previous.id,
        alreadySent: true,
      };
    }
    const base = {
      ...input.scope,
      workflowId,
      runId,
      audience: input.audience,
      channel: input.channel,
      recipient: input.to,
      recipientName: input.toName,
      subject: input.message.subject ?? null,
      body: input.message.text,
      attempt: info.attempt,
    };
    if (input.channel === 'sms') {
      const refused = await checkSmsLimits(input.scope.companyId, input.to, input.audience);
      if (refused) {
        await journal.record({
          ...base,
          stepKey: stepKey(workflowId, routeStep(input.deliveryKey, input.channel, attemptStep(info.attempt))),
          status: 'attempt_failed',
          reason: refused,
          details: { error: SMS_LIMIT_FAILURE_TYPE, permanent: true },
        });
        // Permanent: no retry, and the workflow falls back or journals the delivery failed with this reason.
        throw ApplicationFailure.create({ message: refused, type: SMS_LIMIT_FAILURE_TYPE, details: [refused], nonRetryable: true });
      }
    }
    const log = eventLog(input.scope);
    const sendStarted = process.hrtime.bigint();
    const observeSend = (outcome: 'ok' | 'error') =>
      metrics.sendLatency.observe({ channel: input.channel, outcome }, Number(process.hrtime.bigint() - sendStarted) / 1e9);
    let result: SendResult;
    try {
      result = await withHeartbeat(async () => {
        const adapter = await adapterFor(channels, input.scope.companyId, input.channel);
        return adapter.send({
          to: input.to,
          toName: input.toName,
          from: input.message.fromName ? { ...input.from, name: input.message.fromName } : input.from,
          text: input.message.text,
          ...(input.message.subject !== undefined ? { subject: input.message.subject } : {}),
          ...(input.message.html !== undefined ? { html: input.message.html } : {}),
          ...(input.message.attachments ? { attachments: input.message.attachments } : {}),
          messageId: stableMessageId(stepKey(workflowId, routeBase(input.deliveryKey, input.channel)), input.from.address),
        });
      });
      observeSend('ok');
    } catch (err) {
      observeSend('error');
      const typed = asChannelError(err);
      // The error's type only: a provider's words can quote the address.
      log.warn('send attempt failed', { channel: input.channel, attempt: info.attempt, error: typed.name, permanent: typed.permanent });
      await timed((s) => metrics.journalWriteLatency.observe(s), () => journal.record({
        ...base,
        stepKey: stepKey(workflowId, routeStep(input.deliveryKey, input.channel, attemptStep(info.attempt))),
        status: 'attempt_failed',
        reason: typed.providerReason ?? typed.message,
        details: { error: typed.name, permanent: typed.permanent, ...(typed instanceof RateLimitedError ? { retryAfterMs: typed.retryAfterMs } : {}) },
      }));
      throw toActivityFailure(typed);
    }
    const { entry, created } = await timed((s) => metrics.journalWriteLatency.observe(s), () => journal.record({
      ...base,
      stepKey: sentKey,
      status: 'sent',
      provider: result.provider,
      providerMessageId: result.providerMessageId,
      details: {
        response: result.response,
        ...(input.message.html ? { html: input.message.html } : {}),
        ...(input.manualOf !== undefined ? { manualOf: input.manualOf } : {}),
      },
    }));
    if (created) {
      metrics.deliveries.inc({ channel: input.channel, provider: result.provider, status: 'sent' });
      if (input.channel === 'sms') metrics.smsSegments.inc({ provider: result.provider }, analyzeSms(input.message.text).segments);
      log.info('message sent', { channel: input.channel, provider: result.provider, providerMessageId: result.providerMessageId, entryId: entry.id });
    }
    return { ...result, entryId: entry.id, alreadySent: false };
  }
}
