import { Context } from '@temporalio/activity';
import { stableMessageId } from '../src/channels/email';
import { RateLimitedError } from '../src/channels/errors';
import type { SendResult } from '../src/channels/types';
import { createCompanyRepository } from '../src/db/repositories/companies';
import { createEmailOutboxRepository } from '../src/db/repositories/email-outbox';
import { createJournalRepository } from '../src/db/repositories/journal';
import type { JournalEntry } from '../src/db/schema';
import { outboxKeys } from '../src/domain/keys';
import { createMetrics, timed } from '../src/metrics';
import type { EmailAddress } from '../src/domain/vocabulary';
import { eventLog } from './context';
import type { ActivityDeps } from './deps';
import { asChannelError } from './failures';
import type { ClaimQueuedEmailsInput, ClaimQueuedEmailsResult, SendQueuedEmailInput, SendQueuedEmailResult } from './types';

/** What `notifyEvent` keeps in `details` of a queued e-mail (see its `queuedEntry`). */
interface QueuedEmailDetails {
  deliveryKey?: string;
  from?: EmailAddress;
  html?: string | null;
  attachments?: { filename: string; content: string; contentType: string }[];
}

/** "Exchange journal. Send e-mail" (R16): the scheduled dispatch of queued e-mail. */
export function createEmailOutboxActivities({ db, channels, metrics = createMetrics({ processMetrics: false }) }: ActivityDeps) {
  const outbox = createEmailOutboxRepository(db);
  const journal = createJournalRepository(db);
  const companies = createCompanyRepository(db);

  return {
    /**
     * Claims up to `limit` queued e-mails of live companies. A retried claim
     * with the same token gets the same entries back; the token and lease
     * keep other runs off them until the lease passes (a crashed run).
     */
    async claimQueuedEmails(input: ClaimQueuedEmailsInput): Promise<ClaimQueuedEmailsResult> {
      const mine = await outbox.claimedBy(input.claimToken);
      if (mine.length > 0) return { claimToken: input.claimToken, entryIds: mine };
      const entryIds = await outbox.claim(input);
      return { claimToken: input.claimToken, entryIds };
    },

    /**
     * Sends one claimed e-mail over the company's SMTP transport and journals the
     * outcome under step keys derived from the queued entry, so that it happens
     * once whatever retries: `.../email/sent` (the key the event's own send would
     * have used) or `.../email/failed`. The Message-ID is derived the same way,
     * so a receiver can drop the copy of a send whose journal write was lost.
     */
    async sendQueuedEmail(input: SendQueuedEmailInput): Promise<SendQueuedEmailResult> {
      const { entryId, claimToken } = input;
      // Renewing the lease proves the claim is still ours and keeps it so while the send is under way.
      const entry = await outbox.renew(entryId, claimToken, input.leaseSeconds);
      if (!entry) return { entryId, outcome: (await outbox.isDispatched(entryId)) ? 'already_done' : 'not_claimed' };

      const keys = outboxKeys(entry.stepKey);
      const previous = (await journal.findByStepKey(keys.sent)) ?? (await journal.findByStepKey(keys.failed));
      if (previous) {
        // An earlier attempt got this far and died before marking the row.
        await outbox.markDispatched(entry.id);
        return { entryId, outcome: 'already_done', journalEntryId: previous.id };
      }

      const info = Context.current().info;
      const dispatcher = info.workflowExecution;
      const details = (entry.details ?? {}) as QueuedEmailDetails;
      // Run by the dispatch workflow: the event's own workflow is named besides the activity's.
      const log = eventLog(entry, { eventWorkflowId: entry.workflowId, eventRunId: entry.runId });
      const finish = async (outcome: Parameters<typeof outbox.finish>[1]) => {
        const written = await timed((s) => metrics.journalWriteLatency.observe(s), () => outbox.finish(entry.id, outcome));
        // Counted once per journal row: a retry that finds its row adds nothing.
        if (written.created) metrics.deliveries.inc({ channel: 'email', provider: outcome.provider ?? 'none', status: outcome.status });
        return written.id;
      };
      const sendStarted = process.hrtime.bigint();
      const observeSend = (outcome: 'ok' | 'error') =>
        metrics.sendLatency.observe({ channel: 'email', outcome }, Number(process.hrtime.bigint() - sendStarted) / 1e9);
      let result: SendResult;
      try {
        const { email } = await channels.forCompany(entry.companyId);
        const from = details.from ?? (await companyFrom(entry.companyId));
        result = await email.send({
          to: entry.recipient ?? '',
          ...(entry.recipientName ? { toName: entry.recipientName } : {}),
          from,
          subject: entry.subject ?? '',
          text: entry.body ?? '',
          ...(details.html ? { html: details.html } : {}),
          ...(details.attachments?.length ? { attachments: details.attachments } : {}),
          messageId: stableMessageId(keys.base, from.address),
        });
        observeSend('ok');
      } catch (err) {
        observeSend('error');
        const typed = asChannelError(err);
        const reason = typed.providerReason ?? typed.message;
        log.warn('queued e-mail send failed', { channel: 'email', queuedEntryId: entry.id, error: typed.name, permanent: typed.permanent });
        if (typed.permanent) {
          const id = await finish({
            ...outcomeOf(entry, 'failed', keys.failed),
            attempt: info.attempt,
            reason,
            details: { error: typed.name, queuedEntryId: entry.id, dispatchedBy: dispatcher ?? null },
          });
          return { entryId, outcome: 'failed', journalEntryId: id, reason };
        }
        const backOffSeconds = Math.max(input.retryDelaySeconds, typed instanceof RateLimitedError ? Math.ceil(typed.retryAfterMs / 1000) : 0);
        await outbox.retryLater(entry.id, claimToken, backOffSeconds, {
          ...outcomeOf(entry, 'attempt_failed', keys.dispatchAttempt(claimToken)),
          attempt: info.attempt,
          reason,
          details: { error: typed.name, permanent: false, queuedEntryId: entry.id, retryAfterSeconds: backOffSeconds },
        });
        return { entryId, outcome: 'retry_later', reason };
      }

      const id = await finish({
        ...outcomeOf(entry, 'sent', keys.sent),
        provider: result.provider,
        providerMessageId: result.providerMessageId,
        attempt: info.attempt,
        details: {
          response: result.response,
          queuedEntryId: entry.id,
          dispatchedBy: dispatcher ?? null,
          ...(details.html ? { html: details.html } : {}),
        },
      });
      log.info('queued e-mail sent', { channel: 'email', provider: result.provider, queuedEntryId: entry.id, entryId: id });
      return { entryId, outcome: 'sent', journalEntryId: id };
    },
  };

  async function companyFrom(companyId: string): Promise<EmailAddress> {
    const company = await companies.find(companyId);
    if (!company) throw new Error(`company ${companyId} not found`);
    return { name: company.emailFromName, address: company.emailFrom };
  }
}

/** A new journal row about the same event and recipient as the queued one. */
function outcomeOf(entry: JournalEntry, status: 'sent' | 'failed' | 'attempt_failed', stepKey: string) {
  return {
    companyId: entry.companyId,
    stepKey,
    eventId: entry.eventId,
    eventType: entry.eventType,
    counterpartyId: entry.counterpartyId,
    workflowId: entry.workflowId,
    runId: entry.runId,
    status,
    audience: entry.audience,
    channel: entry.channel,
    recipient: entry.recipient,
    recipientName: entry.recipientName,
    subject: entry.subject,
    body: entry.body,
  };
}
