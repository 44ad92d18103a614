import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyBaseLogger } from 'fastify';
import {
  WorkflowExecutionAlreadyStartedError,
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
  WorkflowUpdateRPCTimeoutOrCancelledError,
  type Client,
} from '@temporalio/client';
import type { Db } from '../../db/client';
import { createEventRepository, type EventRow, type EventTargets } from '../../db/repositories/events';
import { createJournalRepository } from '../../db/repositories/journal';
import type { JournalEntry } from '../../db/schema';
import { ConflictError, NotFoundError, ServiceUnavailableError, UnprocessableError } from '../../domain/errors';
import { givenVariables, missingVariables } from '../../domain/event-data';
import { EVENT_STEPS, eventWorkflowId, stepKey } from '../../domain/keys';
import { EVENT_OUTCOMES, type EventOutcome } from '../../domain/vocabulary';
import { buildMessages } from '../../domain/messages';
import { startWorkflow } from '../../temporal/client';
import { TemporalTimeoutError, withinDeadline } from '../../temporal/deadline';
import { runLink } from '../../temporal/links';
import { eventRunDetails, eventRunSummary } from '../../temporal/summaries';
import { decideUpdate, eventSearchAttributes, stateQuery, type NotifyEventInput, type PendingMessage } from '../../../workflows/contract';
import { actorOf, actorUserIdOf } from '../plugins/auth';
import { errorResponses } from '../schemas/common';
import {
  DecisionInputSchema,
  DecisionSchema,
  EventAcceptedSchema,
  EventDetailsSchema,
  EventInputSchema,
  EventParamsSchema,
  type EventAccepted,
  type EventState,
} from '../schemas/events';
import { toJournalEntryDto } from '../schemas/journal';
import { toMessageDto } from '../schemas/messages';

export interface EventsRouteDeps {
  db: Db;
  temporal: Client;
  taskQueue: string;
  namespace: string;
  temporalUiUrl: string | undefined;
  /** Ask for Eager Workflow Start (the client shares its connection with a worker in this process). */
  eagerStart?: boolean | undefined;
  /** The chaos suite's fault points (`CHAOS_API_EXIT_AFTER_INSERT`, refused in production); never set otherwise. */
  faults?: EventIntakeFaults | undefined;
}

/** Points in the intake where the chaos suite may end the process, as a crash there would. */
export interface EventIntakeFaults {
  /** After a new event's row is inserted and before its workflow is started. */
  afterEventInserted?: (eventId: string) => void | Promise<void>;
}

/** `POST /v1/events` starts one durable workflow per event; `GET` shows its state and journal. */
export const eventsRoutes: FastifyPluginAsyncTypebox<EventsRouteDeps> = async (app, deps) => {
  const { temporal } = deps;
  const events = createEventRepository(deps.db);
  const journal = createJournalRepository(deps.db);

  /**
   * An event must name a configured event type and a known client and carry
   * every variable its type requires, or nothing starts. Returns the names of
   * the type and the client, for the run's summary.
   */
  const assertAcceptable = (
    targets: EventTargets,
    type: string,
    counterpartyId: string,
    data: Record<string, unknown>,
  ): { typeName: string | undefined; counterpartyName: string | undefined } => {
    const { variables, counterpartyExists, typeName, counterpartyName } = targets;
    if (variables === undefined) {
      throw new UnprocessableError('UNKNOWN_EVENT_TYPE', `unknown event type "${type}"`, [
        { path: '/body/type', message: `no event type "${type}" is configured` },
      ]);
    }
    if (!counterpartyExists) {
      throw new UnprocessableError('UNKNOWN_COUNTERPARTY', `unknown counterparty "${counterpartyId}"`, [
        { path: '/body/counterpartyId', message: `no counterparty "${counterpartyId}" exists` },
      ]);
    }
    const missing = missingVariables(type, variables, data);
    if (missing.length > 0) {
      const names = missing.map((m) => m.path.slice('/body/data/'.length)).join(', ');
      throw new UnprocessableError('MISSING_VARIABLES', `event type "${type}" requires variables missing from data: ${names}`, missing);
    }
    return { typeName, counterpartyName };
  };

  /**
   * A run that closed outside its own code (stopped in the Temporal UI, timed
   * out, failed) while its event awaited a decision journals nothing more, and
   * the event would wait in the work queue for ever. Once the API learns the
   * run closed so, it journals `aborted` for the event (once: its step key)
   * and the event leaves the queue. `entries` is the event's journal; returns
   * the entry written, none when the event did not await.
   */
  const journalAbortedRun = async (event: EventRow, runId: string | null, temporalStatus: string, entries: readonly JournalEntry[]) => {
    const what = CLOSED_WITHOUT_ITS_END[temporalStatus];
    const last = entries.at(-1);
    if (!what || last?.status !== 'awaiting_confirmation') return undefined;
    const { entry } = await journal.record({
      companyId: event.companyId,
      stepKey: stepKey(event.workflowId, EVENT_STEPS.aborted),
      eventId: event.id,
      eventType: event.type,
      counterpartyId: event.counterpartyId,
      workflowId: event.workflowId,
      runId: runId ?? last.runId,
      status: 'aborted',
      reason: `${what} до решения о подтверждении; сообщения не отправлены`,
      details: { code: 'run_closed', temporalStatus },
    });
    return entry;
  };

  app.post(
    '/events',
    {
      config: { role: 'events:write' },
      schema: {
        tags: ['events'],
        summary: 'Post a business event',
        body: EventInputSchema,
        response: { 200: EventAcceptedSchema, 202: EventAcceptedSchema, ...errorResponses(400, 401, 403, 413, 415, 422, 429, 503) },
      },
    },
    async (request, reply) => {
      const companyId = request.auth.companyId;
      const input = request.body;
      const workflowId = eventWorkflowId(companyId, input.id);

      // One statement on the way in: the caller's rate unit counted, the event if it is stored, what checking a new one
      // needs, and the new one stored when within the rate and acceptable by the same rules as assertAcceptable.
      const newEvent = {
        companyId,
        id: input.id,
        type: input.type,
        counterpartyId: input.counterpartyId,
        data: input.data,
        occurredAt: input.occurredAt ? new Date(input.occurredAt) : null,
        workflowId,
      };
      const rate = request.eventRate;
      const intake = await events.intake(newEvent, givenVariables(input.data), rate ?? undefined);
      // Past the limit nothing was stored: 429 before anything else, as for any post of the key in this minute.
      if (rate && intake.hit) rate.counted(intake.hit);
      const { existing, targets } = intake;
      if (existing?.runId) {
        return reply.status(200).send(accepted(existing.id, workflowId, existing.runId, 'duplicate', true));
      }

      let names: { typeName: string | undefined; counterpartyName: string | undefined } | undefined;
      let inserted: EventRow | undefined = intake.inserted;
      if (!existing) {
        // Refuses with the reason what the statement did not store; what it stored passes.
        names = assertAcceptable(targets, input.type, input.counterpartyId, input.data);
        // Acceptable yet not stored: a concurrent post stored this id first (found below), or the database read a
        // variable's definition more strictly than this check (a name that is not text): stored the plain way.
        inserted ??= await events.insertOnce(newEvent);
      }
      if (inserted) await deps.faults?.afterEventInserted?.(inserted.id);
      // A concurrent request may have won the insert with other content: the stored event is the one that runs.
      const stored = existing ?? inserted ?? (await events.find(companyId, input.id));
      if (!stored) throw new Error(`event ${input.id} vanished after insert`);
      // A retried start, or a concurrent post that stored other content, looks the names up for what is stored.
      if (stored.type !== input.type || stored.counterpartyId !== input.counterpartyId) {
        names = await events.targets(companyId, stored.type, stored.counterpartyId);
      } else {
        names ??= { typeName: targets.typeName, counterpartyName: targets.counterpartyName };
      }
      const runNames = { companyId, eventId: stored.id, eventType: stored.type, counterpartyId: stored.counterpartyId, ...names };

      const workflowInput: NotifyEventInput = {
        companyId,
        eventId: stored.id,
        eventType: stored.type,
        counterpartyId: stored.counterpartyId,
        data: stored.data,
        ...(stored.occurredAt ? { occurredAt: stored.occurredAt.toISOString() } : {}),
      };
      let runId: string;
      let duplicate = false;
      const unavailable = (err: unknown) => {
        request.log.error({ err }, 'could not start the workflow');
        return new ServiceUnavailableError('the workflow engine is unavailable; retry with the same event id');
      };
      try {
        // Bounded: a start that times out may still have happened; the retry with the same id finds it below.
        const handle = await withinDeadline(temporal, () =>
          startWorkflow(temporal, 'notifyEvent', {
            workflowId,
            taskQueue: deps.taskQueue,
            args: [workflowInput],
            workflowIdReusePolicy: 'REJECT_DUPLICATE',
            workflowIdConflictPolicy: 'FAIL',
            memo: { companyId, eventType: stored.type, counterpartyId: stored.counterpartyId },
            // Operators find and read runs in the Temporal UI by these (README, "Temporal UI").
            typedSearchAttributes: eventSearchAttributes(workflowInput),
            staticSummary: eventRunSummary(runNames),
            staticDetails: eventRunDetails(runNames),
            ...(deps.eagerStart ? { requestEagerStart: true } : {}),
          }),
        );
        runId = handle.firstExecutionRunId;
      } catch (err) {
        if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw unavailable(err);
        const description = await withinDeadline(temporal, () => temporal.workflow.getHandle(workflowId).describe()).catch((cause: unknown) => {
          throw unavailable(cause);
        });
        runId = description.runId;
        duplicate = true;
        // A started run records itself as the event's with its first journal rows (`beginEvent`); a repeated post that
        // found the run before those rows were written (or a run that never got that far) records it here, off the hot path.
        await events.markStarted(companyId, stored.id, runId);
      }
      return reply
        .status(duplicate ? 200 : 202)
        .send(accepted(stored.id, workflowId, runId, duplicate ? 'duplicate' : 'accepted', duplicate));
    },
  );

  app.get(
    '/events/:id',
    {
      config: { role: 'journal:read' },
      schema: {
        tags: ['events'],
        summary: 'An event, its state and its journal',
        description:
          'The event and its journal come from the database. The state comes from the workflow engine; ' +
          'when it does not answer within 2 s, the state is `unknown` and the rest of the answer is still served.',
        params: EventParamsSchema,
        response: { 200: EventDetailsSchema, ...errorResponses(400, 401, 403, 404, 503) },
      },
    },
    async (request) => {
      const companyId = request.auth.companyId;
      const event = await events.find(companyId, request.params.id);
      if (!event) throw new NotFoundError(`event ${request.params.id}`);
      // The state first: a step is journaled before the workflow's state moves past it, so the journal read after it holds that step.
      const { state, runId, closedAs } = await eventState(temporal, event, request.log);
      const entries = await journal.listForEvent(companyId, event.id);
      if (closedAs) {
        // Reading the event must not fail for want of that entry: the next look writes it.
        const aborted = await journalAbortedRun(event, runId, closedAs, entries).catch((err: unknown) => {
          request.log.warn({ err }, 'could not journal the closed run');
          return undefined;
        });
        if (aborted) entries.push(aborted);
      }
      return {
        eventId: event.id,
        type: event.type,
        counterpartyId: event.counterpartyId,
        data: event.data,
        occurredAt: event.occurredAt?.toISOString() ?? null,
        receivedAt: event.receivedAt.toISOString(),
        workflowId: event.workflowId,
        runId,
        state,
        temporalUiUrl: runId ? runLink(deps, event.workflowId, runId) : null,
        pending: state === 'awaiting_confirmation' ? pendingOf(entries) : [],
        journal: entries.map(toJournalEntryDto),
        messages: buildMessages(entries).map(toMessageDto),
      };
    },
  );

  app.post(
    '/events/:id/decision',
    {
      config: { role: 'journal:write' },
      schema: {
        tags: ['events'],
        summary: 'Approve or reject an event awaiting confirmation (R13)',
        description:
          'Answers 409 when the event is not awaiting a decision: `CONFLICT` when it was already decided, ' +
          '`RUN_ENDED` when its run ended before a decision (stopped in the Temporal UI, timed out or failed): ' +
          'the journal then says so with an `aborted` entry, and the event leaves the work queue.',
        params: EventParamsSchema,
        body: DecisionInputSchema,
        response: {
          200: DecisionSchema,
          ...errorResponses(400, 401, 403, 404, 409, 503),
        },
      },
    },
    async (request) => {
      const event = await events.find(request.auth.companyId, request.params.id);
      if (!event) throw new NotFoundError(`event ${request.params.id}`);
      if (!event.runId) throw new ConflictError(`event ${event.id} is not awaiting confirmation`);
      // The decider is who authenticated, not whom the body names (R13, R18).
      const { approve, comment } = request.body;
      const by = actorOf(request);
      const byUserId = actorUserIdOf(request);
      try {
        await withinDeadline(
          temporal,
          () =>
            temporal.workflow
              .getHandle(event.workflowId)
              .executeUpdate(decideUpdate, {
                args: [{ approve, by, ...(byUserId !== undefined ? { byUserId } : {}), ...(comment !== undefined ? { comment } : {}) }],
              }),
          DECISION_TIMEOUT_MS,
        );
      } catch (err) {
        if (err instanceof WorkflowUpdateRPCTimeoutOrCancelledError || err instanceof TemporalTimeoutError) {
          throw new ServiceUnavailableError('the workflow did not answer in time; retry');
        }
        if (err instanceof WorkflowNotFoundError || isFinished(err)) {
          // The run has closed: one that closed before a decision leaves the queue now.
          const { runId, closedAs } = await eventState(temporal, event, request.log);
          if (closedAs && (await journalAbortedRun(event, runId, closedAs, await journal.listForEvent(event.companyId, event.id)))) {
            throw new ConflictError(`event ${event.id} is not awaiting confirmation: its run ended (${closedAs}) before a decision`, 'RUN_ENDED');
          }
        }
        if (err instanceof WorkflowUpdateFailedError || err instanceof WorkflowNotFoundError || isFinished(err)) {
          throw new ConflictError(`event ${event.id} is not awaiting confirmation`);
        }
        request.log.error({ err }, 'decision failed');
        throw new ServiceUnavailableError('the workflow engine is unavailable');
      }
      return { eventId: event.id, workflowId: event.workflowId, approve, by };
    },
  );
};

/** A decision waits for the workflow to apply it, so a little longer than a start; still far from the SDK's own retries. */
const DECISION_TIMEOUT_MS = 5_000;

/** A closed workflow refuses updates with gRPC NOT_FOUND or FAILED_PRECONDITION. */
function isFinished(err: unknown): boolean {
  const code = (err as { code?: number; cause?: { code?: number } }).code ?? (err as { cause?: { code?: number } }).cause?.code;
  return code === 5 || code === 9;
}

/** The messages the awaiting-confirmation entry says would go out; runs started before they were journaled have none. */
function pendingOf(entries: readonly { status: string; details: unknown }[]): PendingMessage[] {
  const awaiting = [...entries].reverse().find((e) => e.status === 'awaiting_confirmation');
  const pending = (awaiting?.details as { pending?: unknown } | null | undefined)?.pending;
  return Array.isArray(pending) ? (pending as PendingMessage[]) : [];
}

function accepted(eventId: string, workflowId: string, runId: string, status: string, duplicate: boolean): EventAccepted {
  return { eventId, workflowId, runId, status, duplicate };
}

/** The Temporal statuses of a run that closed without its own code ending it, in the journal's words. */
const CLOSED_WITHOUT_ITS_END: Readonly<Record<string, string>> = {
  TERMINATED: 'выполнение прервано в Temporal (Terminate)',
  CANCELLED: 'выполнение отменено в Temporal (Cancel)',
  TIMED_OUT: 'истёк срок выполнения в Temporal',
  FAILED: 'выполнение завершилось ошибкой',
};

/**
 * The event's state as its workflow tells it, each call bounded, and its run;
 * `closedAs`, the run's Temporal status when it closed without its own code
 * ending it (`CLOSED_WITHOUT_ITS_END`). When the workflow engine does not
 * answer, `unknown`: the journal in the database is worth serving without it.
 * A run records itself on the event with its first journal rows, so an event
 * without a run id may have one started moments ago: the engine is asked by
 * the workflow id.
 */
async function eventState(
  temporal: Client,
  event: EventRow,
  log: FastifyBaseLogger,
): Promise<{ state: EventState; runId: string | null; closedAs?: string | undefined }> {
  let runId = event.runId;
  let closedAs: string | undefined;
  const state = async (): Promise<EventState> => {
    const handle = temporal.workflow.getHandle(event.workflowId, event.runId ?? undefined);
    const description = await withinDeadline(temporal, () => handle.describe());
    runId ??= description.runId;
    if (description.status.name in CLOSED_WITHOUT_ITS_END) closedAs = description.status.name;
    switch (description.status.name) {
      case 'RUNNING':
        // A query needs a worker; with none polling, "running" is the honest answer.
        return await withinDeadline(temporal, () => handle.query(stateQuery)).catch(() => 'running' as const);
      case 'CONTINUED_AS_NEW':
        return 'running';
      case 'COMPLETED': {
        // The workflow completes even when no message could be delivered: the outcome says so.
        const result = (await withinDeadline(temporal, () => handle.result()).catch(() => undefined)) as { outcome?: string } | undefined;
        const outcome = result?.outcome;
        return outcome !== undefined && (EVENT_OUTCOMES as readonly string[]).includes(outcome) ? (outcome as EventOutcome) : 'completed';
      }
      default:
        return 'failed';
    }
  };
  try {
    return { state: await state(), runId, closedAs };
  } catch (err) {
    // A recorded run the engine no longer knows has ended and been cleaned up; an event without one never started.
    if (err instanceof WorkflowNotFoundError) return { state: event.runId ? 'completed' : 'not_started', runId };
    log.warn({ err }, 'the workflow engine did not tell the state of an event');
    return { state: 'unknown', runId };
  }
}
