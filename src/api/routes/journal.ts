import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import type { Db } from '../../db/client';
import { createJournalRepository } from '../../db/repositories/journal';
import { BadRequestError, ConflictError, NotFoundError, ServiceUnavailableError } from '../../domain/errors';
import { manualSendWorkflowId } from '../../domain/keys';
import { MANUAL_STATUSES } from '../../domain/vocabulary';
import { startWorkflow } from '../../temporal/client';
import { withinDeadline } from '../../temporal/deadline';
import type { ManualSendInput, WorkflowContract } from '../../../workflows/contract';
import { manualRequestKey, type ManualEdits } from '../../domain/manual-send';
import type { Channel } from '../../domain/vocabulary';
import { toE164 } from '../../services/phones';
import { testRecipientProblem } from '../schemas/provider-checks';
import { actorOf, actorUserIdOf } from '../plugins/auth';
import { errorResponses } from '../schemas/common';
import {
  JournalEntryParamsSchema,
  JournalEntrySchema,
  JournalPageSchema,
  JournalQuerySchema,
  ManualSendInputSchema,
  ManualSendResultSchema,
  ManualSendRunningSchema,
  StatusChangeInputSchema,
  toJournalEntryDto,
} from '../schemas/journal';

export interface JournalRouteDeps {
  db: Db;
  temporal: Client;
  taskQueue: string;
}

/** The person's user id for a workflow's input, when a person acts. */
const byUserId = (request: FastifyRequest) => {
  const id = actorUserIdOf(request);
  return id === undefined ? {} : { byUserId: id };
};

/** Statuses a manager may change by hand: the tracked entry's own and the ones a manager gave it. */
const CHANGEABLE_STATUSES: readonly string[] = ['not_sent_tracked', ...MANUAL_STATUSES];

/** The notification journal (R15) and a manager's actions on tracked entries (R14). */
export const journalRoutes: FastifyPluginAsyncTypebox<JournalRouteDeps> = async (app, { db, temporal, taskQueue }) => {
  const journal = createJournalRepository(db);

  const findEntry = async (companyId: string, id: number) => {
    const entry = await journal.findEntry(companyId, id);
    if (!entry) throw new NotFoundError(`journal entry ${id}`);
    return entry;
  };

  app.get(
    '/journal',
    {
      config: { role: 'journal:read' },
      schema: {
        tags: ['journal'],
        summary: 'Journal entries, newest first',
        querystring: JournalQuerySchema,
        response: { 200: JournalPageSchema, ...errorResponses(400, 401, 403) },
      },
    },
    async (request) => {
      const { from, to, cursor, limit = 50, ...fields } = request.query;
      const rows = await journal.list(request.auth.companyId, {
        ...fields,
        from: from ? new Date(from) : undefined,
        to: to ? new Date(to) : undefined,
        before: cursor,
        limit,
      });
      const page = rows.slice(0, limit);
      return { items: page.map(toJournalEntryDto), next: rows.length > limit ? (page[page.length - 1]?.id ?? null) : null };
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
        params: JournalEntryParamsSchema,
        body: ManualSendInputSchema,
        response: {
          200: ManualSendResultSchema,
          202: ManualSendRunningSchema,
          ...errorResponses(400, 401, 403, 404, 409, 503),
        },
      },
    },
    async (request, reply) => {
      const companyId = request.auth.companyId;
      const entry = await findEntry(companyId, request.params.entryId);
      if (entry.status !== 'not_sent_tracked') {
        throw new ConflictError(`entry ${entry.id} is "${entry.status}": only "not_sent_tracked" entries can be sent by hand`);
      }
      const edits = manualEditsOf(entry.channel as Channel, request.body);
      const comment = request.body.comment || undefined;
      const requestKey = manualRequestKey({ edits, comment });
      const workflowId = manualSendWorkflowId(companyId, entry.id);
      const delivered = await journal.findManualSendDelivery(companyId, workflowId);
      if (delivered) {
        // A retry of the request that was sent answers as the first time did; another request is refused.
        const asked = await journal.findManualSendRequest(companyId, workflowId, delivered.runId);
        const details = (asked?.details ?? {}) as { requestKey?: string; edited?: { text: boolean; subject: boolean; recipient: boolean } };
        if (details.requestKey !== requestKey) throw new ConflictError(`entry ${entry.id} was already sent by hand`);
        return reply.status(200).send({
          workflowId,
          status: delivered.status === 'test' ? 'test' : 'sent',
          entryId: delivered.id,
          ...(delivered.providerMessageId ? { providerMessageId: delivered.providerMessageId } : {}),
          ...(delivered.recipient ? { recipient: delivered.recipient } : {}),
          ...(details.edited ? { edited: details.edited } : {}),
          alreadySent: true,
        });
      }
      const input: ManualSendInput = {
        companyId,
        entryId: entry.id,
        by: actorOf(request),
        ...byUserId(request),
        ...(comment ? { comment } : {}),
        ...(edits ? { edits } : {}),
        requestKey,
      };
      let handle;
      try {
        handle = await withinDeadline(temporal, () =>
          startWorkflow(temporal, 'manualSend', {
            workflowId,
            taskQueue,
            args: [input],
            memo: { requestKey },
            // A failed manual send (provider down) may be tried again; the journal check above stops a second delivery.
            workflowIdReusePolicy: 'ALLOW_DUPLICATE',
            workflowIdConflictPolicy: 'FAIL',
          }),
        );
      } catch (err) {
        if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw new ServiceUnavailableError('the workflow engine is unavailable');
        // The same request retried while its send runs waits for that send; another one is refused.
        const running = temporal.workflow.getHandle<WorkflowContract['manualSend']>(workflowId);
        const memo = await running.describe().then((d) => d.memo, () => undefined);
        if (memo?.requestKey !== requestKey) throw new ConflictError(`entry ${entry.id} is being sent by hand right now`);
        handle = running;
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
        params: JournalEntryParamsSchema,
        body: StatusChangeInputSchema,
        response: { 200: JournalEntrySchema, ...errorResponses(400, 401, 403, 404, 409) },
      },
    },
    async (request) => {
      const entry = await findEntry(request.auth.companyId, request.params.entryId);
      if (!CHANGEABLE_STATUSES.includes(entry.status)) {
        throw new ConflictError(`entry ${entry.id} is "${entry.status}": only tracked entries change status by hand`);
      }
      const updated = await journal.changeStatus(entry, {
        to: request.body.status,
        by: actorOf(request),
        byUserId: actorUserIdOf(request),
        comment: request.body.comment ?? null,
        at: new Date(),
      });
      if (!updated) throw new ConflictError(`entry ${entry.id} was changed meanwhile; read it again`);
      return toJournalEntryDto(updated);
    },
  );
};

/**
 * The manager's edits, checked against the entry's channel: `to` must be a
 * recipient of that channel (a phone is normalised to E.164), `subject` is for
 * e-mail only. Answers 400 naming the field.
 */
function manualEditsOf(channel: Channel, body: { text?: string | undefined; subject?: string | undefined; to?: string | undefined }): ManualEdits | undefined {
  const edits: ManualEdits = {};
  if (body.text !== undefined) {
    if (!body.text.trim()) throw new BadRequestError('text must not be blank', [{ path: '/text', message: 'must contain the text to send' }]);
    edits.text = body.text;
  }
  if (body.subject !== undefined) {
    if (channel !== 'email') {
      throw new BadRequestError(`subject is for e-mail; this entry's channel is ${channel}`, [{ path: '/subject', message: `only an e-mail has a subject; this entry goes by ${channel}` }]);
    }
    edits.subject = body.subject;
  }
  if (body.to !== undefined) {
    const to = channel === 'sms' ? (toE164(body.to.trim()) ?? body.to) : channel === 'email' ? body.to.trim() : body.to.trim();
    const problem = testRecipientProblem(channel, to);
    if (problem) throw new BadRequestError(`to ${problem} (the entry's channel is ${channel})`, [{ path: '/to', message: `${problem} (the entry's channel is ${channel})` }]);
    edits.to = to;
  }
  return Object.keys(edits).length ? edits : undefined;
}
