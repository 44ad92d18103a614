import { Context } from '@temporalio/activity';
import { stableMessageId } from '../src/channels/email';
import { RateLimitedError } from '../src/channels/errors';
import type { SendResult } from '../src/channels/types';
import { createCompanyRepository } from '../src/db/repositories/companies';
import { createEmailOutboxRepository } from '../src/db/repositories/email-outbox';
import { createJournalRepository } from '../src/db/repositories/journal';
import type { JournalEntry, NewJournalEntry } from '../src/db/schema';
import { outboxKeys } from '../src/domain/keys';
import { createMetrics, timed } from '../src/metrics';
import type { EmailAddress } from '../src/domain/vocabulary';
import { eventLog } from './context';
import type { ActivityDeps } from './deps';
import { asChannelError } from './failures';
import { persist } from './send';
import type {
  ClaimQueuedEmailsInput,
  ClaimQueuedEmailsResult,
  SendQueuedEmailInput,
  SendQueuedEmailResult,
  SendQueuedEmailsInput,
  SendQueuedEmailsResult,
} from './types';

/** What `notifyEvent` keeps in `details` of a queued e-mail (see its `queuedEntry`). */
interface QueuedEmailDetails {
  deliveryKey?: string;
  from?: EmailAddress;
  html?: string | null;
  attachments?: { filename: string; content: string; contentType: string }[];
}

/** E-mails of one batch on their way at once: twice the SMTP pool's connections, so none waits idle. */
const SENDS_IN_FLIGHT = 10;

/** Runs `work` on every item, at most `limit` at a time; rejects with the first failure once the running ones settle. */
async function inParallel<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  let failure: { err: unknown } | undefined;
  const lane = async () => {
    while (next < items.length && !failure) {
      const item = items[next++]!;
      try {
        await work(item);
      } catch (err) {
        failure ??= { err };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
  if (failure) throw failure.err;
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
     * Sends a batch of claimed e-mails over their companies' pooled SMTP
     * transports, several at a time, and journals each outcome under step keys
     * derived from the queued entry, so that it happens once whatever retries:
     * `.../email/sent` (the key the event's own send would have used) or
     * `.../email/failed`. Outcomes are written in groups (one transaction for
     * all that finished while the previous group was being written). The
     * Message-ID is derived the same way, so a receiver can drop the copy of a
     * send whose journal write was lost.
     */
    sendQueuedEmails,

    /** One claimed e-mail: the batch of one (kept for dispatch runs started before batches). */
    async sendQueuedEmail(input: SendQueuedEmailInput): Promise<SendQueuedEmailResult> {
      const { entryId, ...rest } = input;
      const { results } = await sendQueuedEmails({ ...rest, entryIds: [entryId] });
      return results[0]!;
    },
  };

  async function sendQueuedEmails(input: SendQueuedEmailsInput): Promise<SendQueuedEmailsResult> {
    const { claimToken, leaseSeconds } = input;
    const context = Context.current();
    const results = new Map<number, SendQueuedEmailResult>();

    // Renewing the leases proves the claims are still ours and keeps them so while the sends are under way.
    const owned = await outbox.renewMany(input.entryIds, claimToken, leaseSeconds);
    const ownedIds = new Set(owned.map((e) => e.id));
    const lost = input.entryIds.filter((id) => !ownedIds.has(id));
    if (lost.length > 0) {
      const dispatched = await outbox.dispatchedAmong(lost);
      for (const entryId of lost) results.set(entryId, { entryId, outcome: dispatched.has(entryId) ? 'already_done' : 'not_claimed' });
    }

    // An earlier attempt may have journaled some outcomes and died before marking their rows.
    const keysOf = new Map(owned.map((e) => [e.id, outboxKeys(e.stepKey)]));
    const previous = new Map(
      (await journal.findByStepKeys(owned.flatMap((e) => [keysOf.get(e.id)!.sent, keysOf.get(e.id)!.failed]))).map((row) => [row.stepKey, row]),
    );
    const settler = createSettler(claimToken);
    const toSend: JournalEntry[] = [];
    for (const entry of owned) {
      const keys = keysOf.get(entry.id)!;
      const done = previous.get(keys.sent) ?? previous.get(keys.failed);
      if (!done) {
        toSend.push(entry);
        continue;
      }
      results.set(entry.id, { entryId: entry.id, outcome: 'already_done', journalEntryId: done.id });
      settler.alreadyDone(entry.id);
    }

    // A long batch keeps its claims: the leases are renewed well before they pass.
    const unsent = new Set(toSend.map((e) => e.id));
    const renewal = setInterval(() => {
      context.heartbeat();
      void outbox.renewMany([...unsent], claimToken, leaseSeconds).catch(() => undefined);
    }, (leaseSeconds * 1000) / 3);
    try {
      await inParallel(toSend, SENDS_IN_FLIGHT, async (entry) => {
        results.set(entry.id, await sendOne(entry, keysOf.get(entry.id)!, settler, input));
        unsent.delete(entry.id);
        context.heartbeat();
      });
      await settler.drain();
    } finally {
      clearInterval(renewal);
    }
    return { results: input.entryIds.map((entryId) => results.get(entryId)!) };
  }

  async function sendOne(
    entry: JournalEntry,
    keys: ReturnType<typeof outboxKeys>,
    settler: Settler,
    input: Pick<SendQueuedEmailsInput, 'claimToken' | 'retryDelaySeconds'>,
  ): Promise<SendQueuedEmailResult> {
    const entryId = entry.id;
    const info = Context.current().info;
    const dispatcher = info.workflowExecution;
    const details = (entry.details ?? {}) as QueuedEmailDetails;
    // Run by the dispatch workflow: the event's own workflow is named besides the activity's.
    const log = eventLog(entry, { eventWorkflowId: entry.workflowId, eventRunId: entry.runId });
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
        const id = await settler.finished(entryId, {
          ...outcomeOf(entry, 'failed', keys.failed),
          attempt: info.attempt,
          reason,
          details: { error: typed.name, queuedEntryId: entry.id, dispatchedBy: dispatcher ?? null },
        });
        return { entryId, outcome: 'failed', journalEntryId: id, reason };
      }
      const backOffSeconds = Math.max(input.retryDelaySeconds, typed instanceof RateLimitedError ? Math.ceil(typed.retryAfterMs / 1000) : 0);
      await settler.retried(entryId, backOffSeconds, {
        ...outcomeOf(entry, 'attempt_failed', keys.dispatchAttempt(input.claimToken)),
        attempt: info.attempt,
        reason,
        details: { error: typed.name, permanent: false, queuedEntryId: entry.id, retryAfterSeconds: backOffSeconds },
      });
      return { entryId, outcome: 'retry_later', reason };
    }

    const id = await settler.finished(entryId, {
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
  }

  /**
   * Group commit of a batch's outcomes: whatever finished while the previous
   * group was being written goes into the next transaction. The message is
   * out by then, so a write waits out a short database outage (`persist`).
   */
  type Settler = ReturnType<typeof createSettler>;

  function createSettler(claimToken: string) {
    type Pending =
      | { kind: 'finished'; entryId: number; outcome: NewJournalEntry; resolve: (id: number) => void; reject: (err: unknown) => void }
      | { kind: 'retried'; entryId: number; backOffSeconds: number; attempt: NewJournalEntry; resolve: () => void; reject: (err: unknown) => void }
      | { kind: 'done'; entryId: number; resolve: () => void; reject: (err: unknown) => void };
    const queue: Pending[] = [];
    let writing: Promise<void> | undefined;
    let failure: unknown;

    const write = async () => {
      while (queue.length > 0) {
        const group = queue.splice(0);
        const finished = group.filter((p) => p.kind === 'finished');
        const retried = group.filter((p) => p.kind === 'retried');
        try {
          const written = await persist(() =>
            timed(
              (s) => metrics.journalWriteLatency.observe(s),
              () => outbox.settle({ finished, retried, alreadyDone: group.filter((p) => p.kind === 'done').map((p) => p.entryId), claimToken }),
            ),
          );
          written.forEach(({ id, created }, i) => {
            const { outcome } = finished[i]!;
            // Counted once per journal row: a retry that finds its row adds nothing.
            if (created) metrics.deliveries.inc({ channel: 'email', provider: outcome.provider ?? 'none', status: outcome.status });
            finished[i]!.resolve(id);
          });
          for (const p of group) if (p.kind !== 'finished') p.resolve();
        } catch (err) {
          failure ??= err;
          for (const p of group) p.reject(err);
        }
      }
      writing = undefined;
    };
    const add = <T>(pending: (resolve: (value: T) => void, reject: (err: unknown) => void) => Pending) =>
      new Promise<T>((resolve, reject) => {
        queue.push(pending(resolve, reject));
        writing ??= write();
      });

    return {
      finished: (entryId: number, outcome: NewJournalEntry) => add<number>((resolve, reject) => ({ kind: 'finished', entryId, outcome, resolve, reject })),
      retried: (entryId: number, backOffSeconds: number, attempt: NewJournalEntry) =>
        add<void>((resolve, reject) => ({ kind: 'retried', entryId, backOffSeconds, attempt, resolve, reject })),
      /** A row whose outcome an earlier attempt journaled: marked dispatched with the next group. */
      alreadyDone: (entryId: number) => void add<void>((resolve, reject) => ({ kind: 'done', entryId, resolve, reject })).catch(() => undefined),
      /** Resolves once everything added so far is written; rejects if the last write failed. */
      drain: async () => {
        while (writing) await writing;
        if (failure !== undefined) throw failure;
      },
    };
  }
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
