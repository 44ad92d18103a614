import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { msToNumber } from '@temporalio/common/lib/time';
import { stableMessageId } from '../src/channels/email';
import { RateLimitedError, UnavailableError } from '../src/channels/errors';
import type { SendResult, SmsProvider } from '../src/channels/types';
import { createEventTypeRepository } from '../src/db/repositories/event-types';
import { createSendAttemptRepository } from '../src/db/repositories/send-attempts';
import type { JournalEntry, NewJournalEntry, SendAttempt } from '../src/db/schema';
import { createCompanyRepository } from '../src/db/repositories/companies';
import { createJournalRepository } from '../src/db/repositories/journal';
import { createLimitsRepository } from '../src/db/repositories/limits';
import { isDatabaseUnavailable } from '../src/db/wait';
import { DEFAULT_LIMITS, SMS_LIMIT_FAILURE_TYPE, smsLimitReason } from '../src/domain/limits';
import { attemptStep, routeBase, routeStep, stepKey } from '../src/domain/keys';
import { senderOf } from '../src/domain/plan';
import { peopleReason, reasonText } from '../src/domain/reasons';
import { analyzeSms, smsCount } from '../src/domain/sms';
import { createMetrics, timed } from '../src/metrics';
import type { TestMessageInput, TestMessageResult } from '../workflows/contract';
import { currentExecution, eventLog, withHeartbeat } from './context';
import { stepRow } from './journal';
import type { ActivityDeps } from './deps';
import { adapterFor, asChannelError, toActivityFailure } from './failures';
import { renderOrFail } from './render';
import type { FirstAttempt, RenderAndSendAllInput, RenderAndSendAllResult, RenderAndSendInput, SendFailure, SendMessageInput, SendMessageResult } from './types';

/** The reason of an `unknown` entry, in the catalogue's words. */
export const UNKNOWN_OUTCOME_REASON = reasonText('unknown_outcome');

/**
 * Runs a database write that must not be lost, retrying while PostgreSQL is
 * unreachable (up to about a minute), as the message it records is already out.
 */
export async function persist<T>(write: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await write();
    } catch (err) {
      if (attempt >= 12) throw err;
      await new Promise((resolve) => setTimeout(resolve, Math.min(500 * attempt, 5000)));
    }
  }
}

/** How long one send attempt waits for PostgreSQL before the provider call, in all. */
export const DATABASE_WAIT_MS = 20_000;

/**
 * Runs the database work before a provider call, waiting while PostgreSQL is
 * unreachable (a restart, a failover) until `deadline`: an outage of the
 * database is no verdict on the channel, and must not spend its few retries
 * (Telegram's budget is seconds). Any other error, or one past the deadline, is thrown.
 */
export async function whileDatabaseAway<T>(work: () => Promise<T>, deadline: number): Promise<T> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await work();
    } catch (err) {
      if (!isDatabaseUnavailable(err) || Date.now() >= deadline) throw err;
      await new Promise((resolve) => setTimeout(resolve, Math.min(250 * attempt, 2000, Math.max(0, deadline - Date.now()))));
    }
  }
}

/** The SMS limits' windows: per phone an hour, per company a day. */
const SMS_LIMIT_WINDOWS = { recipientSeconds: 3600, companySeconds: 86_400 } as const;

/** Provider calls: one message of an event or a manual send, and the test message (R3). */
export function createSendActivities({
  db,
  channels,
  limits = DEFAULT_LIMITS,
  metrics = createMetrics({ processMetrics: false }),
  faults,
  sendsInFlight,
}: ActivityDeps) {
  const journal = createJournalRepository(db);
  const companies = createCompanyRepository(db);
  const counters = createLimitsRepository(db);
  const attempts = createSendAttemptRepository(db);
  const eventTypes = createEventTypeRepository(db);

  /** The limits' verdict on counts of sent SMS (the counts `sentSms` and `beginSms` give). */
  const smsRefusal = (sent: { toRecipient: number; byCompany: number }, audience: SendMessageInput['audience']) =>
    smsLimitReason({ toRecipientLastHour: sent.toRecipient, byCompanyLastDay: sent.byCompany }, limits, audience);
  /**
   * SMS pumping protection: refuses an SMS past the per-phone hourly or the
   * per-company daily limit, counted from the journal's `sent` SMS. Checked
   * just before the provider call; concurrent sends to one phone may each see
   * the last free slot, so the limit can be passed by the number of sends in flight.
   */
  const checkSmsLimits = async (companyId: string, to: string, audience: SendMessageInput['audience']): Promise<string | undefined> =>
    smsRefusal(await counters.sentSms(companyId, to, SMS_LIMIT_WINDOWS.recipientSeconds, SMS_LIMIT_WINDOWS.companySeconds), audience);


  /**
   * A retry found the `sending` marker of an earlier attempt and no `sent`
   * entry: the earlier attempt called the provider and died. Returns the
   * result when that is settled (journaled `sent` or `unknown`); undefined
   * when the message is to be sent (again).
   */
  const settleEarlierAttempt = async (
    input: SendMessageInput,
    marker: SendAttempt,
    base: Omit<NewJournalEntry, 'stepKey' | 'status'>,
    unknownKey: string,
    journalSent: (provider: string, providerMessageId: string, response: string, extra?: Record<string, unknown>) => Promise<{ entry: JournalEntry }>,
    log: ReturnType<typeof eventLog>,
  ): Promise<SendMessageResult | undefined> => {
    const ids = marker.providerMessageIds;
    const complete = marker.state === 'accepted' && ids.length >= marker.parts && ids[0] !== undefined;
    if (complete && marker.provider) {
      const adapter = await adapterFor(channels, input.scope.companyId, input.channel);
      const lookup = input.channel === 'sms' && adapter.provider === marker.provider ? (adapter as SmsProvider).lookup?.bind(adapter) : undefined;
      // The provider gave an id for every part; where it can be asked, it confirms it still has the message.
      const found = lookup ? await withHeartbeat(() => lookup(ids[0]!)).catch((err: unknown) => { throw toActivityFailure(err); }) : 'known';
      if (found === 'known') {
        log.info('an earlier attempt had sent the message', { channel: input.channel, provider: marker.provider, checked: lookup ? 'provider status' : 'accepted ids' });
        const response = JSON.stringify({ messageIds: ids, recovered: lookup ? 'provider status' : 'accepted ids' });
        const { entry } = await journalSent(marker.provider, ids[0]!, response, { recovered: true });
        return { provider: marker.provider, providerMessageId: ids[0]!, response, entryId: entry.id, alreadySent: true };
      }
      log.warn('the provider does not know the message of an earlier attempt; sending again', { channel: input.channel, provider: marker.provider });
      return undefined;
    }
    const eventType = await eventTypes.find(input.scope.companyId, input.scope.eventType);
    if (eventType?.resendWhenUnknown) {
      log.warn('an earlier attempt may have sent the message; the event type allows sending again', { channel: input.channel });
      return undefined;
    }
    log.warn('an earlier attempt may have sent the message; journaled unknown, not sent again', { channel: input.channel, partsAccepted: ids.length, parts: marker.parts });
    const { entry } = await journal.record({
      ...base,
      stepKey: unknownKey,
      status: 'unknown',
      provider: marker.provider,
      providerMessageId: ids[0] ?? null,
      reason: UNKNOWN_OUTCOME_REASON,
      details: { partsAccepted: ids.length, parts: marker.parts },
    });
    return { provider: marker.provider ?? '', providerMessageId: ids[0] ?? '', response: 'outcome unknown', entryId: entry.id, alreadySent: false, outcomeUnknown: true };
  };

  return {
    /**
     * Sends one message and journals `sent`, or `attempt_failed` and a typed
     * failure. Journaled under keys derived from the workflow, the recipient
     * and the channel, so a retry after a lost answer does not send twice.
     *
     * The duplicate window (a worker dying after the provider took the message
     * and before `sent` is journaled) is closed per channel: SMS and Telegram
     * mark the message `sending` before the call and keep each id the provider
     * gives; a retry that finds the marker without `sent` asks the SMS provider
     * about the ids it has (SMPP `query_sm`, SMS.ru status) and journals `sent`
     * if the provider has the message. Where no id was kept, the message is
     * journaled `unknown` and not sent again, unless the event type allows
     * resending (`resendWhenUnknown`). E-mail is sent again under the same
     * Message-ID (at least once; receivers can drop the copy).
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
      return renderThenSend(input);
    },

    /**
     * The first attempt of several messages of one event, at once: each as
     * `renderAndSend` would make it, journaled the same way, in one activity
     * task instead of one each. Not retried as a whole: a message whose first
     * attempt failed comes back with its failure, and the workflow retries it
     * with `renderAndSend` (`attemptOffset` 1), falls back or gives up, as
     * that activity's own retries would have. If this activity dies, each
     * message's retry finds in the journal what this attempt got done. Run as
     * a local activity, it may run again whole after a worker's death, and
     * first reads which e-mails an earlier run journaled.
     */
    async renderAndSendAll({ messages, completion }: RenderAndSendAllInput): Promise<RenderAndSendAllResult> {
      // A local activity leaves no trace in the history until it returns: a worker's death runs it again from the start.
      const earlier = Context.current().info.isLocal ? await earlierEmailOutcomes(messages) : new Map<string, SendMessageResult>();
      const { workflowId, runId } = currentExecution();
      /** Which messages have come to their `sent` write or ended; whether any ended unsent; whether one took the closing entry along. */
      const came = messages.map(() => false);
      let anyNotSent = false;
      let closingTaken = false;
      const ends = messages.map(() => {
        let resolve!: () => void;
        const promise = new Promise<void>((r) => (resolve = r));
        return { promise, resolve };
      });
      /**
       * For the message that comes to its `sent` write last: once the others'
       * writes are done and each was sent, the closing entry goes in with it.
       */
      const closingFor = (i: number): Closing | undefined =>
        completion
          ? async () => {
              came[i] = true;
              if (!came.every(Boolean) || closingTaken || anyNotSent) return undefined;
              closingTaken = true;
              await Promise.all(ends.filter((_, j) => j !== i).map((end) => end.promise));
              return anyNotSent ? undefined : stepRow(completion, workflowId, runId);
            }
          : undefined;
      const results = await withHeartbeat(() =>
        Promise.all(
          messages.map(async (input, i): Promise<FirstAttempt> => {
            try {
              const sent = earlier.get(input.deliveryKey) ?? (await renderThenSend(input, closingFor(i)));
              if (sent.outcomeUnknown) anyNotSent = true;
              return { sent };
            } catch (err) {
              anyNotSent = true;
              return { failed: sendFailureOf(err) };
            } finally {
              came[i] = true;
              ends[i]!.resolve();
            }
          }),
        ),
      );
      if (!completion || !results.every((r) => r.sent && !r.sent.outcomeUnknown)) return { results };
      // The messages are out: the closing entry is written through a short database outage.
      if (!closingTaken) {
        await withHeartbeat(() => persist(() => timed((s) => metrics.journalWriteLatency.observe(s), () => journal.record(stepRow(completion, workflowId, runId)))));
      }
      return { results, completed: true };
    },

    /**
     * R3: sends one message now and returns the provider's answer; an SMS says
     * its encoding and how many segments it cost. Every test message, sent or
     * not, is journaled (event type `test.message`), so a person finds it
     * beside the events; the row keeps the provider's answer, never a secret.
     */
    async sendTestMessage(input: TestMessageInput): Promise<Omit<TestMessageResult, 'ok'>> {
      const { companyId, channel, to, text } = input;
      const { workflowId, runId } = currentExecution();
      const sms = channel === 'sms' ? analyzeSms(text) : undefined;
      const smsInfo = sms ? { encoding: sms.encoding, segments: sms.segments, length: sms.length } : undefined;
      const subject = channel === 'email' ? 'Тестовое сообщение' : undefined;
      const entry = (fields: Pick<NewJournalEntry, 'status' | 'reason' | 'provider' | 'providerMessageId'> & { details: Record<string, unknown> }) =>
        persist(() =>
          journal.record({
            companyId,
            stepKey: `${workflowId}/test-message`,
            eventId: workflowId,
            eventType: 'test.message',
            counterpartyId: '',
            workflowId,
            runId,
            audience: null,
            channel,
            recipient: to,
            subject: subject ?? null,
            body: text,
            ...fields,
            details: { code: 'test_message', ...(input.by ? { by: input.by } : {}), ...(smsInfo ?? {}), ...fields.details },
          }),
        );
      try {
        const adapter = await adapterFor(channels, companyId, channel);
        const company = await companies.find(companyId);
        const result = await adapter.send({
          to,
          text,
          ...(subject ? { subject, from: { name: company?.emailFromName ?? '', address: company?.emailFrom ?? '' } } : {}),
        });
        const cost = smsInfo ? ` (${smsInfo.encoding}, ${smsCount(smsInfo.segments)})` : '';
        const { entry: row } = await entry({
          status: 'sent',
          reason: `${reasonText('test_message')}${input.by ? `, отправил ${input.by}` : ''}${cost}`,
          provider: result.provider,
          providerMessageId: result.providerMessageId,
          details: { response: result.response },
        });
        return {
          provider: result.provider,
          providerMessageId: result.providerMessageId,
          response: result.response,
          ...(smsInfo ? { sms: smsInfo } : {}),
          journalEntryId: row.id,
        };
      } catch (err) {
        const typed = asChannelError(err);
        await entry({
          status: 'failed',
          reason: `${reasonText('test_message')} не отправлено: ${peopleReason(typed.providerReason ?? typed.message, typed.name)}`,
          provider: null,
          providerMessageId: null,
          details: { error: typed.name, permanent: typed.permanent },
        }).catch(() => undefined);
        throw toActivityFailure(err);
      }
    },
  };

  /**
   * The e-mails among `messages` that an earlier run of the same local
   * activity got sent (or journaled `unknown`), by delivery key, read in one
   * statement. Other channels write `rendered` before the provider call and
   * find their earlier attempt themselves (`sendOne`).
   */
  async function earlierEmailOutcomes(messages: readonly RenderAndSendInput[]): Promise<Map<string, SendMessageResult>> {
    const { workflowId } = currentExecution();
    const keys = new Map<string, string>();
    for (const m of messages) {
      if (m.channel !== 'email') continue;
      for (const outcome of ['sent', 'unknown'] as const) keys.set(stepKey(workflowId, routeStep(m.deliveryKey, m.channel, outcome)), m.deliveryKey);
    }
    const found = new Map<string, SendMessageResult>();
    if (keys.size === 0) return found;
    const entries = await withHeartbeat(() => whileDatabaseAway(() => journal.findByStepKeys([...keys.keys()]), Date.now() + DATABASE_WAIT_MS));
    for (const entry of entries) {
      const deliveryKey = keys.get(entry.stepKey)!;
      // A message journaled `sent` is settled, whatever else was journaled for it.
      if (entry.status === 'sent' || !found.has(deliveryKey)) found.set(deliveryKey, earlierResult(entry));
    }
    return found;
  }

  /** Renders a message (R9) and sends it, journaling `rendered` with the outcome. */
  async function renderThenSend({ template, data, attemptOffset, ...send }: RenderAndSendInput, closing?: Closing): Promise<SendMessageResult> {
    const message = await renderOrFail({ channel: send.channel, template, data });
    return sendOne({ ...send, message }, true, attemptOffset, closing);
  }

  /**
   * One message to the provider, journaled under keys derived from the
   * workflow, the recipient and the channel (the duplicate window is closed as
   * `sendMessage` describes). With `journalRendered`, the `rendered` entry is
   * written first; when it is new, no earlier attempt can have called the
   * provider, and the look-ups of an earlier `sent`, `unknown` or `sending`
   * marker are spared.
   *
   * An e-mail's first attempt writes `rendered` together with its outcome
   * (`sent` or `attempt_failed`), in one statement after the call: nothing
   * earlier can have sent it, and an e-mail sent again keeps its Message-ID
   * (the guarantee is at least once either way). A later attempt writes
   * `rendered` first as other channels do, so it finds what an attempt that
   * died after the call journaled. An SMS's first attempt writes `rendered`,
   * counts its limits and marks it `sending` in one statement
   * (`sendAttempts.beginSms`); a refused SMS gets no marker.
   */
  async function sendOne(input: SendMessageInput, journalRendered: boolean, attemptOffset = 0, closing?: Closing): Promise<SendMessageResult> {
    /** This attempt's number among all of the message's attempts, whichever activity made the earlier ones. */
    const attempt = Context.current().info.attempt + attemptOffset;
    const { workflowId, runId } = currentExecution();
    const databaseDeadline = Date.now() + DATABASE_WAIT_MS;
    /** Database work before the provider call: waits out a PostgreSQL outage, heartbeating. */
    const stored = <T>(work: () => Promise<T>) => withHeartbeat(() => whileDatabaseAway(work, databaseDeadline));
    const sentKey = stepKey(workflowId, routeStep(input.deliveryKey, input.channel, 'sent'));
    const unknownKey = stepKey(workflowId, routeStep(input.deliveryKey, input.channel, 'unknown'));
    const renderedEntry: NewJournalEntry = {
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
    };
    /** `rendered` waits for the outcome and goes in with it. */
    const renderedWithOutcome = journalRendered && input.channel === 'email' && attempt === 1;
    /** Writes `entry`, preceded by `rendered` when that waited for it, and followed by `after` when given. */
    const journalOutcome = async (entry: NewJournalEntry, after?: NewJournalEntry) =>
      timed((s) => metrics.journalWriteLatency.observe(s), async () => {
        if (!renderedWithOutcome && !after) return journal.record(entry);
        const written = await journal.recordMany([...(renderedWithOutcome ? [renderedEntry] : []), entry, ...(after ? [after] : [])]);
        return written[renderedWithOutcome ? 1 : 0]!;
      });
    const parts = input.channel === 'sms' ? analyzeSms(input.message.text).segments : 1;
    /** An SMS writes `rendered` with its limits' count and its `sending` marker, in one statement. */
    const smsBegun =
      journalRendered && input.channel === 'sms'
        ? await stored(() =>
            timed(
              (s) => metrics.journalWriteLatency.observe(s),
              () =>
                attempts.beginSms(renderedEntry, {
                  stepKey: sentKey,
                  parts,
                  windows: SMS_LIMIT_WINDOWS,
                  limits: { recipient: input.audience === 'client' ? limits.smsPerRecipientPerHour : null, company: limits.smsPerCompanyPerDay },
                }),
            ),
          )
        : undefined;
    const rendered =
      journalRendered && !renderedWithOutcome && !smsBegun
        ? await stored(() => timed((s) => metrics.journalWriteLatency.observe(s), () => journal.record(renderedEntry)))
        : undefined;
    /** No earlier attempt of this activity got as far as the provider. */
    const firstAttempt = renderedWithOutcome || rendered?.created === true || smsBegun?.created === true;
    // A previous attempt may have sent and journaled it but died before Temporal heard back.
    const previous = firstAttempt ? undefined : await stored(async () => (await journal.findByStepKey(sentKey)) ?? (await journal.findByStepKey(unknownKey)));
    if (previous) return earlierResult(previous);
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
      attempt,
    };
    const log = eventLog(input.scope);
    /** SMS and Telegram cannot be told apart from a copy by their receiver: they keep a marker (e-mail keeps its Message-ID). */
    const guarded = input.channel !== 'email';

    /** Journals `sent` once the provider took the message; retried here while the database is away, as the message is out. */
    const journalSent = async (provider: string, providerMessageId: string, response: string, extra: Record<string, unknown> = {}) => {
      const entry = {
        ...base,
        stepKey: sentKey,
        status: 'sent' as const,
        provider,
        providerMessageId,
        details: {
          response,
          ...extra,
          ...(input.message.html ? { html: input.message.html } : {}),
          ...(input.manualOf !== undefined ? { manualOf: input.manualOf } : {}),
        },
      };
      // Asked once: the closing entry is the last message's, whether this write goes through at once or after an outage.
      const after = await closing?.();
      const written = await withHeartbeat(() => persist(() => journalOutcome(entry, after)));
      if (written.created) {
        metrics.deliveries.inc({ channel: input.channel, provider, status: 'sent' });
        if (input.channel === 'sms') metrics.smsSegments.inc({ provider }, parts);
        log.info('message sent', { channel: input.channel, provider, providerMessageId, entryId: written.entry.id, ...extra });
      }
      return written;
    };

    /**
     * Parts of this multipart SMS that earlier attempts got taken before a later part was refused: sent
     * again with the whole message, so the recipient may read them twice. Said in the `sent` entry.
     */
    const partsSentBefore = async (): Promise<Record<string, unknown>> => {
      if (input.channel !== 'sms' || parts < 2 || attempt < 2) return {};
      let most = 0;
      for (let n = 1; n < attempt; n += 1) {
        const failed = await journal.findByStepKey(stepKey(workflowId, routeStep(input.deliveryKey, input.channel, attemptStep(n)))).catch(() => undefined);
        most = Math.max(most, Number((failed?.details as { partsAccepted?: unknown } | null)?.partsAccepted ?? 0));
      }
      return most > 0 ? { partsSentTwice: most, parts } : {};
    };

    if (guarded && !firstAttempt) {
      const marker = await stored(() => attempts.find(sentKey));
      if (marker) {
        const settled = await settleEarlierAttempt(input, marker, base, unknownKey, journalSent, log);
        if (settled) return settled;
        await stored(() => attempts.restart(sentKey, parts));
      }
    }

    if (input.channel === 'sms') {
      const refused = smsBegun?.created
        ? smsRefusal(smsBegun.counts, input.audience)
        : await stored(() => checkSmsLimits(input.scope.companyId, input.to, input.audience));
      if (refused) {
        await journal.record({
          ...base,
          stepKey: stepKey(workflowId, routeStep(input.deliveryKey, input.channel, attemptStep(attempt))),
          status: 'attempt_failed',
          reason: refused,
          details: { error: SMS_LIMIT_FAILURE_TYPE, permanent: true },
        });
        // Permanent: no retry, and the workflow falls back or journals the delivery failed with this reason.
        throw ApplicationFailure.create({ message: refused, type: SMS_LIMIT_FAILURE_TYPE, details: [refused], nonRetryable: true });
      }
    }
    // An SMS's first attempt was marked with its `rendered` entry, when within the limits.
    if (guarded && !(smsBegun?.created && smsBegun.marked)) await stored(() => attempts.begin(sentKey, input.scope.companyId, input.channel, parts));

    /** Says, once `sent` is journaled or this attempt ends, that the ids the provider gave are no longer in flight. */
    const settleTaken: (() => void)[] = [];
    try {
      const sendStarted = process.hrtime.bigint();
      const observeSend = (outcome: 'ok' | 'error') =>
        metrics.sendLatency.observe({ channel: input.channel, outcome }, Number(process.hrtime.bigint() - sendStarted) / 1e9);
      let result: SendResult;
      try {
        result = await withHeartbeat(async () => {
          const adapter = await whileDatabaseAway(() => adapterFor(channels, input.scope.companyId, input.channel), databaseDeadline);
          return adapter.send({
            to: input.to,
            toName: input.toName,
            from: senderOf(input.from, input.message),
            text: input.message.text,
            ...(input.message.subject !== undefined ? { subject: input.message.subject } : {}),
            ...(input.message.html !== undefined ? { html: input.message.html } : {}),
            ...(input.message.attachments ? { attachments: input.message.attachments } : {}),
            messageId: stableMessageId(stepKey(workflowId, routeBase(input.deliveryKey, input.channel)), input.from.address),
            // Each id is kept before the next part goes out: a retry can ask the provider about it.
            ...(guarded
              ? {
                  onAccepted: (part) => {
                    // Before anything is awaited: the receipt may be read from the socket right after this answer.
                    if (sendsInFlight) settleTaken.push(sendsInFlight.taken(adapter.provider, part.providerMessageId));
                    return persist(() => attempts.partAccepted(sentKey, adapter.provider, part.index, part.providerMessageId)).catch(() => {
                      // The provider has this part; the marker stays `sending`, so a retry does not send it blindly again.
                      throw UnavailableError.afterRequest(new UnavailableError('the provider took the message, but its id could not be recorded'));
                    });
                  },
                }
              : {}),
          });
        });
        observeSend('ok');
      } catch (err) {
        observeSend('error');
        const typed = asChannelError(err);
        // The error's type only: a provider's words can quote the address.
        log.warn('send attempt failed', { channel: input.channel, attempt, error: typed.name, permanent: typed.permanent });
        // A multipart SMS refused after its first parts were taken: the retry sends it whole, and those parts go twice.
        const partsAccepted = guarded && parts > 1 ? ((await attempts.find(sentKey).catch(() => undefined))?.providerMessageIds.length ?? 0) : 0;
        await whileDatabaseAway(() => journalOutcome({
          ...base,
          stepKey: stepKey(workflowId, routeStep(input.deliveryKey, input.channel, attemptStep(attempt))),
          status: 'attempt_failed',
          reason: typed.providerReason ?? typed.message,
          details: {
            error: typed.name,
            permanent: typed.permanent,
            ...(typed instanceof RateLimitedError ? { retryAfterMs: typed.retryAfterMs } : {}),
            ...(partsAccepted > 0 ? { partsAccepted, parts } : {}),
          },
        }), databaseDeadline);
        // A refusal, or no connection: this attempt left nothing at the provider (an earlier SMS part is sent again).
        // A timeout or a link lost while waiting keeps the marker: the provider may have the message.
        if (guarded && !(typed instanceof UnavailableError && typed.maybeAccepted)) await attempts.clear(sentKey).catch(() => undefined);
        throw toActivityFailure(typed);
      }
      await faults?.afterProviderAccepted?.({ channel: input.channel, attempt });
      const { entry } = await journalSent(result.provider, result.providerMessageId, result.response, await partsSentBefore());
      return { ...result, entryId: entry.id, alreadySent: false };
    } finally {
      for (const settle of settleTaken) settle();
    }
  }
}

/**
 * Gives the entry that closes the event when the message about to be
 * journaled `sent` is the last of its batch and every other one was sent;
 * that `sent` and the closing entry then go in in one statement.
 */
type Closing = () => Promise<NewJournalEntry | undefined>;

/** What an earlier attempt that journaled `sent` or `unknown` got done, as a send's result. */
function earlierResult(previous: JournalEntry): SendMessageResult {
  return {
    provider: previous.provider ?? '',
    providerMessageId: previous.providerMessageId ?? '',
    response: previous.status === 'unknown' ? 'outcome unknown' : 'already sent',
    entryId: previous.id,
    alreadySent: previous.status === 'sent',
    ...(previous.status === 'unknown' ? { outcomeUnknown: true } : {}),
  };
}

/** A failed attempt as `renderAndSendAll` reports it: what Temporal would have kept of the activity's failure. */
function sendFailureOf(err: unknown): SendFailure {
  if (err instanceof ApplicationFailure) {
    const providerReason = err.details?.[0];
    const retryAfter = err.nextRetryDelay;
    return {
      type: err.type ?? 'Error',
      message: err.message,
      providerReason: typeof providerReason === 'string' ? providerReason : null,
      nonRetryable: err.nonRetryable === true,
      ...(retryAfter !== undefined && retryAfter !== null ? { retryAfterMs: msToNumber(retryAfter) } : {}),
    };
  }
  const error = err instanceof Error ? err : new Error(String(err));
  return { type: error.name, message: error.message, providerReason: null, nonRetryable: false };
}
