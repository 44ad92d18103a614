import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import { and, desc, eq, gte, lt, lte, sql } from 'drizzle-orm';
import type { Db } from '../../db/client';
import { createJournalRepository } from '../../db/repositories/journal';
import { journalEntries } from '../../db/schema';
import { MANUAL_STATUSES } from '../../domain/vocabulary';
import type { ManualSendInput } from '../../../workflows/contract';
import { manualSendWorkflowId, statusChangeStepKey } from '../../domain/keys';
import { startWorkflow } from '../../temporal/client';
import { ConflictError, NotFoundError, ServiceUnavailableError } from '../errors';
import { ChannelSchema, errorResponses, StringEnum } from '../schemas';
import { actorOf } from './actor';
import { JournalEntrySchema, toJournalEntryDto } from './journal-dto';

export interface JournalRouteDeps {
  db: Db;
  temporal: Client;
  taskQueue: string;
}

/** The notification journal (R15) and a manager's actions on tracked entries (R14). */
export const journalRoutes: FastifyPluginAsyncTypebox<JournalRouteDeps> = async (app, { db, temporal, taskQueue }) => {
  const journal = createJournalRepository(db);

  app.get(
    '/journal',
    {
      config: { role: 'journal:read' },
      schema: {
        tags: ['journal'],
        summary: 'Journal entries, newest first',
        querystring: Type.Object({
          counterpartyId: Type.Optional(Type.String({ maxLength: 200 })),
          eventType: Type.Optional(Type.String({ maxLength: 100 })),
          eventId: Type.Optional(Type.String({ maxLength: 200 })),
          channel: Type.Optional(ChannelSchema),
          status: Type.Optional(Type.String({ maxLength: 50 })),
          from: Type.Optional(Type.String({ format: 'date-time' })),
          to: Type.Optional(Type.String({ format: 'date-time' })),
          cursor: Type.Optional(Type.Integer({ minimum: 1, description: 'The `next` of the previous page.' })),
          limit: Type.Integer({ minimum: 1, maximum: 500, default: 50 }),
        }),
        response: {
          200: Type.Object({ items: Type.Array(JournalEntrySchema), next: Type.Union([Type.Integer(), Type.Null()]) }),
          ...errorResponses(400, 401, 403),
        },
      },
    },
    async (request) => {
      const q = request.query;
      const rows = await db
        .select()
        .from(journalEntries)
        .where(
          and(
            eq(journalEntries.companyId, request.auth.companyId),
            q.counterpartyId ? eq(journalEntries.counterpartyId, q.counterpartyId) : undefined,
            q.eventType ? eq(journalEntries.eventType, q.eventType) : undefined,
            q.eventId ? eq(journalEntries.eventId, q.eventId) : undefined,
            q.channel ? eq(journalEntries.channel, q.channel) : undefined,
            q.status ? eq(journalEntries.status, q.status) : undefined,
            q.from ? gte(journalEntries.createdAt, new Date(q.from)) : undefined,
            q.to ? lte(journalEntries.createdAt, new Date(q.to)) : undefined,
            q.cursor ? lt(journalEntries.id, q.cursor) : undefined,
          ),
        )
        .orderBy(desc(journalEntries.id))
        .limit(q.limit + 1);
      const page = rows.slice(0, q.limit);
      return { items: page.map(toJournalEntryDto), next: rows.length > q.limit ? (page[page.length - 1]?.id ?? null) : null };
    },
  );

  app.post(
    '/journal/:entryId/send',
    {
      config: { role: 'journal:write' },
      // The body is optional: a bare POST is the common case.
      preValidation: async (request) => {
        request.body ??= {};
      },
      schema: {
        tags: ['journal'],
        summary: 'Send a "not sent, tracked by manager" message by hand (R14)',
        description:
          'Runs through Temporal like any send and is journaled the same way. Sending the same entry again ' +
          'answers 409. Waits up to 20 s for the provider; 202 when the send is still in progress.',
        params: Type.Object({ entryId: Type.Integer({ minimum: 1 }) }),
        body: Type.Object({ comment: Type.Optional(Type.String({ maxLength: 2000 })) }, { additionalProperties: false }),
        response: {
          200: Type.Object({ workflowId: Type.String(), status: Type.String(), entryId: Type.Optional(Type.Integer()), providerMessageId: Type.Optional(Type.String()), reason: Type.Optional(Type.String()) }),
          202: Type.Object({ workflowId: Type.String(), status: Type.String() }),
          ...errorResponses(401, 403, 404, 409, 503),
        },
      },
    },
    async (request, reply) => {
      const companyId = request.auth.companyId;
      const entry = await findEntry(db, companyId, request.params.entryId);
      if (entry.status !== 'not_sent_tracked') {
        throw new ConflictError(`entry ${entry.id} is "${entry.status}": only "not_sent_tracked" entries can be sent by hand`);
      }
      const workflowId = manualSendWorkflowId(companyId, entry.id);
      const [alreadySent] = await db
        .select({ id: journalEntries.id })
        .from(journalEntries)
        .where(
          and(
            eq(journalEntries.companyId, companyId),
            eq(journalEntries.workflowId, workflowId),
            sql`${journalEntries.status} in ('sent', 'test')`,
          ),
        )
        .limit(1);
      if (alreadySent) throw new ConflictError(`entry ${entry.id} was already sent by hand`);
      const input: ManualSendInput = {
        companyId,
        entryId: entry.id,
        by: actorOf(request),
        ...(request.body.comment ? { comment: request.body.comment } : {}),
      };
      let handle;
      try {
        handle = await startWorkflow(temporal, 'manualSend', {
          workflowId,
          taskQueue,
          args: [input],
          // A failed manual send (provider down) may be tried again; the journal check above stops a second delivery.
          workflowIdReusePolicy: 'ALLOW_DUPLICATE',
          workflowIdConflictPolicy: 'FAIL',
        });
      } catch (err) {
        if (err instanceof WorkflowExecutionAlreadyStartedError) throw new ConflictError(`entry ${entry.id} is being sent by hand right now`);
        throw new ServiceUnavailableError('the workflow engine is unavailable');
      }
      let timer: NodeJS.Timeout | undefined;
      const result = await Promise.race([
        handle.result(),
        new Promise<null>((resolve) => {
          timer = setTimeout(() => resolve(null), 20_000);
        }),
      ])
        .catch(() => {
          throw new ServiceUnavailableError('the manual send failed in the workflow engine; try again');
        })
        .finally(() => clearTimeout(timer));
      if (!result) return reply.status(202).send({ workflowId, status: 'running' });
      return reply.status(200).send({ workflowId, ...result });
    },
  );

  app.patch(
    '/journal/:entryId',
    {
      config: { role: 'journal:write' },
      schema: {
        tags: ['journal'],
        summary: 'Change the status of a tracked entry after acting on it (R14)',
        params: Type.Object({ entryId: Type.Integer({ minimum: 1 }) }),
        body: Type.Object(
          { status: StringEnum(MANUAL_STATUSES), comment: Type.Optional(Type.String({ maxLength: 2000 })) },
          { additionalProperties: false },
        ),
        response: { 200: JournalEntrySchema, ...errorResponses(400, 401, 403, 404, 409) },
      },
    },
    async (request) => {
      const companyId = request.auth.companyId;
      const entry = await findEntry(db, companyId, request.params.entryId);
      const changeable = ['not_sent_tracked', ...MANUAL_STATUSES] as string[];
      if (!changeable.includes(entry.status)) {
        throw new ConflictError(`entry ${entry.id} is "${entry.status}": only tracked entries change status by hand`);
      }
      const by = actorOf(request);
      const comment = request.body.comment ?? null;
      const history = [
        ...(((entry.details ?? {}) as { statusHistory?: unknown[] }).statusHistory ?? []),
        { from: entry.status, to: request.body.status, by, comment, at: new Date().toISOString() },
      ];
      // Only if nobody changed it since it was read: two managers at once must not lose a change.
      const [updated] = await db
        .update(journalEntries)
        .set({ status: request.body.status, details: sql`coalesce(${journalEntries.details}, '{}'::jsonb) || ${JSON.stringify({ statusHistory: history })}::jsonb` })
        .where(
          and(
            eq(journalEntries.companyId, companyId),
            eq(journalEntries.id, entry.id),
            eq(journalEntries.status, entry.status),
            sql`jsonb_array_length(coalesce(${journalEntries.details}->'statusHistory', '[]'::jsonb)) = ${history.length - 1}`,
          ),
        )
        .returning();
      if (!updated) throw new ConflictError(`entry ${entry.id} was changed meanwhile; read it again`);
      // The change itself is a journal entry too, so the timeline shows who did what.
      await journal.record({
        companyId,
        stepKey: statusChangeStepKey(entry.stepKey, history.length),
        eventId: entry.eventId,
        eventType: entry.eventType,
        counterpartyId: entry.counterpartyId,
        workflowId: entry.workflowId,
        runId: entry.runId,
        status: 'status_changed',
        audience: entry.audience,
        channel: entry.channel,
        recipient: entry.recipient,
        recipientName: entry.recipientName,
        reason: `${entry.status} → ${request.body.status}${comment ? `: ${comment}` : ''}`,
        details: { entryId: entry.id, from: entry.status, to: request.body.status, by, comment },
      });
      return toJournalEntryDto(updated);
    },
  );
};

async function findEntry(db: Db, companyId: string, id: number) {
  const [entry] = await db
    .select()
    .from(journalEntries)
    .where(and(eq(journalEntries.companyId, companyId), eq(journalEntries.id, id)));
  if (!entry) throw new NotFoundError(`journal entry ${id}`);
  return entry;
}
