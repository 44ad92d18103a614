import { stableMessageId } from '../src/channels/email';
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { and, asc, eq, inArray, isNull, like, lt, or, sql } from 'drizzle-orm';
import type { Db } from '../src/db/client';
import { createJournalRepository } from '../src/db/repositories/journal';
import { companies, journalEntries, smsBalanceAlerts, type JournalEntry } from '../src/db/schema';
import { ChannelError, RateLimitedError, UnavailableError } from '../src/channels/errors';
import type { ChannelRegistry } from '../src/providers/registry';
import type { EmailAddress, SendResult, SmsBalance } from '../src/channels/types';

export interface ScheduleActivityDeps {
  db: Db;
  channels: ChannelRegistry;
}

export interface ClaimQueuedEmailsInput {
  /** Only this company's entries; every company's when absent. */
  companyId?: string;
  limit: number;
  /** How long the claim keeps other runs away. Must outlast every retry of one send. */
  leaseSeconds: number;
  /** Unique per run and batch. A retried claim with the same token gets the same entries back. */
  claimToken: string;
}

export interface ClaimQueuedEmailsResult {
  claimToken: string;
  entryIds: number[];
}

export interface SendQueuedEmailInput {
  entryId: number;
  claimToken: string;
  leaseSeconds: number;
  /** After a transient failure, the entry is not claimed again before this many seconds. */
  retryDelaySeconds: number;
}

/**
 * - `sent`: delivered now, `sent` journaled.
 * - `already_done`: an earlier attempt (or run) already sent it or failed it for good.
 * - `failed`: the server refused it for good, `failed` journaled with the reason.
 * - `retry_later`: a transient failure; the claim is released and a later run retries.
 * - `not_claimed`: the claim was lost (its lease passed and another run took the entry); nothing done.
 */
export type SendQueuedEmailOutcome = 'sent' | 'already_done' | 'failed' | 'retry_later' | 'not_claimed';

export interface SendQueuedEmailResult {
  entryId: number;
  outcome: SendQueuedEmailOutcome;
  /** The `sent` or `failed` journal entry. */
  journalEntryId?: number;
  reason?: string;
}

export interface CheckBalanceInput {
  companyId: string;
}

/**
 * - `no_threshold`: the company set none (R4 `none`); the provider is not asked.
 * - `no_provider`: no SMS provider to ask.
 * - `unsupported`: the provider cannot tell its balance (e.g. an SMPP gateway without a balance URL).
 * - `checked`: `amount` was read and the alert state updated.
 */
export type CheckBalanceResult =
  | { status: 'no_threshold' }
  | { status: 'no_provider' | 'unsupported'; threshold: number; reason: string }
  | {
      status: 'checked';
      provider: string;
      amount: number;
      currency?: string;
      threshold: number;
      below: boolean;
      /** Counts the falls below the threshold; one alert per episode. */
      episode: number;
      /** Below the threshold and this episode's alert has not gone out yet. */
      alertDue: boolean;
    };

export interface SendBalanceAlertInput {
  companyId: string;
  episode: number;
  provider: string;
  amount: number;
  currency?: string;
  threshold: number;
}

/**
 * - `sent`: the administrator got the e-mail.
 * - `already_sent`: this episode's alert went out before.
 * - `stale`: the balance went back above the threshold (or fell again) since the check.
 * - `no_admin_email`: nobody to tell; the next check tries again.
 */
export interface SendBalanceAlertResult {
  outcome: 'sent' | 'already_sent' | 'stale' | 'no_admin_email';
  to?: string;
  providerMessageId?: string;
}

/** What `notifyEvent` keeps in `details` of a queued e-mail (see its `queuedEntry`). */
interface QueuedEmailDetails {
  deliveryKey?: string;
  from?: EmailAddress;
  html?: string | null;
  attachments?: { filename: string; content: string; contentType: string }[];
}

/**
 * The outbox (R16): queued e-mail of an event workflow, step key `<workflow>/<delivery>/email/queued`,
 * not yet done with. Other `queued` rows (a manual send's request, R14) are not in it.
 */
const inOutbox = and(
  eq(journalEntries.status, 'queued'),
  eq(journalEntries.channel, 'email'),
  isNull(journalEntries.dispatchedAt),
  like(journalEntries.stepKey, '%/email/queued'),
);

const secondsFromNow = (seconds: number) => sql`now() + make_interval(secs => ${seconds})`;

/**
 * Activities of the scheduled jobs: the e-mail dispatch (R16) and the SMS
 * balance check (R4, R17). Built like `createActivities`; the worker registers both.
 */
export function createScheduleActivities({ db, channels }: ScheduleActivityDeps) {
  const journal = createJournalRepository(db);

  /** Done with the queued row, in the same transaction as its `sent` or `failed` entry. */
  async function finish(entry: JournalEntry, outcome: Parameters<typeof journal.record>[0]): Promise<number> {
    return db.transaction(async (tx) => {
      const { entry: written } = await createJournalRepository(tx).record(outcome);
      await tx
        .update(journalEntries)
        .set({ dispatchedAt: new Date(), claimToken: null, claimedUntil: null })
        .where(eq(journalEntries.id, entry.id));
      return written.id;
    });
  }

  return {
    /**
     * Claims up to `limit` queued e-mails of live companies. `FOR UPDATE SKIP LOCKED`
     * keeps two concurrent runs off the same rows; the token and lease written
     * here keep them off afterwards, until the lease passes (a crashed run).
     */
    async claimQueuedEmails(input: ClaimQueuedEmailsInput): Promise<ClaimQueuedEmailsResult> {
      const mine = await db
        .select({ id: journalEntries.id })
        .from(journalEntries)
        .where(and(inOutbox, eq(journalEntries.claimToken, input.claimToken)))
        .orderBy(asc(journalEntries.id));
      if (mine.length > 0) return { claimToken: input.claimToken, entryIds: mine.map((r) => r.id) };

      const candidates = db
        .select({ id: journalEntries.id })
        .from(journalEntries)
        .innerJoin(companies, and(eq(companies.id, journalEntries.companyId), eq(companies.mode, 'live')))
        .where(
          and(
            inOutbox,
            or(isNull(journalEntries.claimedUntil), lt(journalEntries.claimedUntil, sql`now()`)),
            input.companyId !== undefined ? eq(journalEntries.companyId, input.companyId) : undefined,
          ),
        )
        .orderBy(asc(journalEntries.id))
        .limit(input.limit)
        .for('update', { of: journalEntries, skipLocked: true });
      const claimed = await db
        .update(journalEntries)
        .set({ claimToken: input.claimToken, claimedUntil: secondsFromNow(input.leaseSeconds) })
        .where(inArray(journalEntries.id, candidates))
        .returning({ id: journalEntries.id });
      return { claimToken: input.claimToken, entryIds: claimed.map((r) => r.id).sort((a, b) => a - b) };
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
      const [entry] = await db
        .update(journalEntries)
        .set({ claimedUntil: secondsFromNow(input.leaseSeconds) })
        .where(and(eq(journalEntries.id, entryId), eq(journalEntries.claimToken, claimToken), inOutbox))
        .returning();
      if (!entry) {
        const [row] = await db.select({ dispatchedAt: journalEntries.dispatchedAt }).from(journalEntries).where(eq(journalEntries.id, entryId));
        return { entryId, outcome: row?.dispatchedAt ? 'already_done' : 'not_claimed' };
      }

      const base = entry.stepKey.replace(/\/queued$/, '');
      const previous = (await journal.findByStepKey(`${base}/sent`)) ?? (await journal.findByStepKey(`${base}/failed`));
      if (previous) {
        // An earlier attempt got this far and died before marking the row.
        await db
          .update(journalEntries)
          .set({ dispatchedAt: new Date(), claimToken: null, claimedUntil: null })
          .where(eq(journalEntries.id, entry.id));
        return { entryId, outcome: 'already_done', journalEntryId: previous.id };
      }

      const info = Context.current().info;
      const dispatcher = info.workflowExecution;
      const details = (entry.details ?? {}) as QueuedEmailDetails;
      let result: SendResult;
      try {
        const { email } = await channels.forCompany(entry.companyId);
        const from = details.from ?? (await companyFrom(db, entry.companyId));
        result = await email.send({
          to: entry.recipient ?? '',
          ...(entry.recipientName ? { toName: entry.recipientName } : {}),
          from,
          subject: entry.subject ?? '',
          text: entry.body ?? '',
          ...(details.html ? { html: details.html } : {}),
          ...(details.attachments?.length ? { attachments: details.attachments } : {}),
          messageId: stableMessageId(base, from.address),
        });
      } catch (err) {
        const typed = err instanceof ChannelError ? err : new UnavailableError(err instanceof Error ? err.message : String(err));
        const reason = typed.providerReason ?? typed.message;
        if (typed.permanent) {
          const id = await finish(entry, {
            ...outcomeOf(entry, 'failed', `${base}/failed`),
            attempt: info.attempt,
            reason,
            details: { error: typed.name, queuedEntryId: entry.id, dispatchedBy: dispatcher ?? null },
          });
          return { entryId, outcome: 'failed', journalEntryId: id, reason };
        }
        const backOffSeconds = Math.max(input.retryDelaySeconds, typed instanceof RateLimitedError ? Math.ceil(typed.retryAfterMs / 1000) : 0);
        await db.transaction(async (tx) => {
          await createJournalRepository(tx).record({
            ...outcomeOf(entry, 'attempt_failed', `${base}/dispatch-${claimToken}`),
            attempt: info.attempt,
            reason,
            details: { error: typed.name, permanent: false, queuedEntryId: entry.id, retryAfterSeconds: backOffSeconds },
          });
          await tx
            .update(journalEntries)
            .set({ claimToken: null, claimedUntil: secondsFromNow(backOffSeconds) })
            .where(and(eq(journalEntries.id, entry.id), eq(journalEntries.claimToken, claimToken)));
        });
        return { entryId, outcome: 'retry_later', reason };
      }

      const id = await finish(entry, {
        ...outcomeOf(entry, 'sent', `${base}/sent`),
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
      return { entryId, outcome: 'sent', journalEntryId: id };
    },

    /**
     * Reads the balance (R4) and moves the company's alert state: a fall below
     * the threshold starts a new episode, a check at or above it ends the episode.
     */
    async checkBalance(input: CheckBalanceInput): Promise<CheckBalanceResult> {
      const [company] = await db.select({ threshold: companies.balanceThreshold }).from(companies).where(eq(companies.id, input.companyId));
      if (!company) throw ApplicationFailure.nonRetryable(`company ${input.companyId} not found`, 'NotFound');
      const threshold = company.threshold;
      if (threshold === null) return { status: 'no_threshold' };
      const { sms } = await channels.forCompany(input.companyId);
      if (!sms) return { status: 'no_provider', threshold, reason: 'no SMS provider is configured' };

      let balance: SmsBalance;
      try {
        balance = await sms.balance();
      } catch (err) {
        if (err instanceof ChannelError) {
          throw ApplicationFailure.create({ message: err.message, type: err.name, details: [err.providerReason ?? null], nonRetryable: err.permanent });
        }
        return { status: 'unsupported', threshold, reason: err instanceof Error ? err.message : String(err) };
      }

      const below = balance.amount < threshold;
      const state = await db.transaction(async (tx) => {
        await tx.insert(smsBalanceAlerts).values({ companyId: input.companyId }).onConflictDoNothing();
        const [current] = await tx.select().from(smsBalanceAlerts).where(eq(smsBalanceAlerts.companyId, input.companyId)).for('update');
        if (!current) throw new Error(`balance alert state of ${input.companyId} vanished`);
        const [updated] = await tx
          .update(smsBalanceAlerts)
          .set({
            below,
            episode: below && !current.below ? current.episode + 1 : current.episode,
            lastAmount: balance.amount,
            lastThreshold: threshold,
            checkedAt: new Date(),
          })
          .where(eq(smsBalanceAlerts.companyId, input.companyId))
          .returning();
        return updated!;
      });
      return {
        status: 'checked',
        provider: balance.provider,
        amount: balance.amount,
        ...(balance.currency ? { currency: balance.currency } : {}),
        threshold,
        below,
        episode: state.episode,
        alertDue: below && state.alertedEpisode !== state.episode,
      };
    },

    /**
     * E-mails the administrator that the SMS package is running out, once per
     * episode. The state row stays locked while the e-mail goes out, so two
     * checks at once cannot both send; a failed send leaves the episode
     * unalerted for the next check.
     */
    async sendBalanceAlert(input: SendBalanceAlertInput): Promise<SendBalanceAlertResult> {
      return db.transaction(async (tx) => {
        const [state] = await tx.select().from(smsBalanceAlerts).where(eq(smsBalanceAlerts.companyId, input.companyId)).for('update');
        if (!state || !state.below || state.episode !== input.episode) return { outcome: 'stale' };
        if (state.alertedEpisode === input.episode) return { outcome: 'already_sent' };
        const [company] = await tx.select().from(companies).where(eq(companies.id, input.companyId));
        if (!company?.adminEmail) return { outcome: 'no_admin_email' };

        const { email } = await channels.forCompany(input.companyId);
        const amount = `${input.amount}${input.currency ? ` ${input.currency}` : ''}`;
        let result: SendResult;
        try {
          result = await email.send({
            to: company.adminEmail,
            from: { name: company.emailFromName, address: company.emailFrom },
            subject: `Заканчивается пакет SMS: баланс ${amount}, порог ${input.threshold}`,
            text: [
              `Баланс SMS-провайдера ${input.provider} компании «${company.name}» — ${amount}, ниже порога ${input.threshold}.`,
              'Пополните пакет, чтобы SMS-уведомления продолжали уходить.',
              '',
              'Это письмо приходит один раз. Следующее придёт, только если баланс поднимется до порога и снова опустится ниже.',
            ].join('\n'),
            messageId: stableMessageId(`sms-balance/${input.companyId}/${input.episode}`, company.emailFrom),
          });
        } catch (err) {
          const typed = err instanceof ChannelError ? err : new UnavailableError(err instanceof Error ? err.message : String(err));
          throw ApplicationFailure.create({ message: typed.message, type: typed.name, details: [typed.providerReason ?? null], nonRetryable: typed.permanent });
        }
        await tx
          .update(smsBalanceAlerts)
          .set({ alertedEpisode: input.episode, alertedAt: new Date() })
          .where(eq(smsBalanceAlerts.companyId, input.companyId));
        return { outcome: 'sent', to: company.adminEmail, providerMessageId: result.providerMessageId };
      });
    },
  };
}

export type ScheduleActivities = ReturnType<typeof createScheduleActivities>;

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

async function companyFrom(db: Db, companyId: string): Promise<EmailAddress> {
  const [company] = await db.select({ name: companies.emailFromName, address: companies.emailFrom }).from(companies).where(eq(companies.id, companyId));
  if (!company) throw ApplicationFailure.nonRetryable(`company ${companyId} not found`, 'NotFound');
  return company;
}

