import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Client } from '@temporalio/client';
import type { FastifyBaseLogger } from 'fastify';
import type { Db } from '../../db/client';
import { createConfigChangeRepository } from '../../db/repositories/config-changes';
import {
  describeSchedule,
  ensureSchedules,
  isScheduleName,
  listSchedules,
  MAX_PERIOD_SECONDS,
  MIN_PERIOD_SECONDS,
  parsePeriod,
  SchedulePeriodError,
  SCHEDULE_NAMES,
  triggerSchedule,
  updateSchedule,
  type ScheduleContext,
  type ScheduleName,
  type ScheduleView,
} from '../../temporal/schedules';
import { AppError, BadRequestError, NotFoundError, ServiceUnavailableError } from '../errors';
import { errorResponses } from '../schemas';
import { actorOf } from './actor';

export interface SchedulesRouteDeps {
  db: Db;
  temporal: Client;
  taskQueue: string;
  namespace?: string;
  temporalUiUrl?: string | undefined;
}

const nullableString = Type.Union([Type.String(), Type.Null()]);

const ScheduleSchema = Type.Object({
  name: Type.String({ description: '`email-dispatch` or `sms-balance`, both this company\'s own.' }),
  scheduleId: Type.String({ description: 'The Temporal Schedule id: `<name>:<companyId>`, plus `@<taskQueue>` off the default queue.' }),
  workflowType: Type.String(),
  exists: Type.Boolean({ description: 'False when deleted by hand since: the next start of a worker, a PUT or a trigger creates it again.' }),
  every: Type.Union([Type.String(), Type.Null()], { description: 'The period, e.g. "5m", "1h".' }),
  everySeconds: Type.Union([Type.Integer(), Type.Null()]),
  paused: Type.Boolean(),
  note: nullableString,
  overlap: nullableString,
  nextRunAt: Type.Array(Type.String({ format: 'date-time' })),
  recentRuns: Type.Array(
    Type.Object({
      workflowId: Type.String(),
      runId: Type.String(),
      scheduledAt: Type.String({ format: 'date-time' }),
      startedAt: Type.String({ format: 'date-time' }),
    }),
  ),
  runningWorkflowIds: Type.Array(Type.String()),
  actionsTaken: Type.Integer(),
  temporalUiUrl: nullableString,
});

const NameParamsSchema = Type.Object({ name: Type.String({ minLength: 1, maxLength: 100 }) });

const ScheduleUpdateSchema = Type.Object(
  {
    every: Type.Optional(
      Type.Unsafe<string | number>({
        type: ['string', 'integer'],
        description: `The period: a duration like "30s", "5m", "1h", "1h30m", "1d", or whole seconds; from ${MIN_PERIOD_SECONDS} s to ${MAX_PERIOD_SECONDS} s.`,
        examples: ['5m', '1h', 900],
      }),
    ),
    paused: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);

/**
 * The periodic jobs (R16, R17) as Temporal Schedules: the company's own e-mail
 * dispatch and SMS balance check. A company sees and manages only its own;
 * everything shown is read back from Temporal.
 */
export const schedulesRoutes: FastifyPluginAsyncTypebox<SchedulesRouteDeps> = async (app, deps) => {
  const ctx: ScheduleContext = { client: deps.temporal, taskQueue: deps.taskQueue };
  /**
   * Companies whose schedules this process made sure of. A company added after
   * the workers started gets its schedules on its first call here; after that
   * one deleted by hand shows as missing until a restart, a PUT or a trigger.
   */
  const ensured = new Set<string>();
  /** `except`: the schedule the call itself creates when missing, with the state it asks for. */
  const ensureCompany = async (companyId: string, except?: ScheduleName) => {
    if (ensured.has(companyId)) return;
    await ensureSchedules({ ...ctx, companies: [companyId], names: SCHEDULE_NAMES.filter((name) => name !== except) });
    ensured.add(companyId);
  };
  const withLink = (view: ScheduleView) => ({
    ...view,
    temporalUiUrl:
      deps.temporalUiUrl && view.exists
        ? `${deps.temporalUiUrl.replace(/\/$/, '')}/namespaces/${encodeURIComponent(deps.namespace ?? 'default')}/schedules/${encodeURIComponent(view.scheduleId)}`
        : null,
  });
  const nameOf = (name: string): ScheduleName => {
    if (!isScheduleName(name)) throw new NotFoundError(`schedule ${name} (known: ${SCHEDULE_NAMES.join(', ')})`);
    return name;
  };

  app.get(
    '/schedules',
    {
      config: { role: 'settings:admin' },
      schema: {
        tags: ['schedules'],
        summary: 'The periodic jobs: e-mail dispatch and SMS balance check',
        response: { 200: Type.Object({ items: Type.Array(ScheduleSchema) }), ...errorResponses(401, 403, 503) },
      },
    },
    async (request) => {
      const companyId = request.auth.companyId;
      const items = await temporalCall(request.log, async () => {
        await ensureCompany(companyId);
        return listSchedules(ctx, companyId);
      });
      return { items: items.map(withLink) };
    },
  );

  app.put(
    '/schedules/:name',
    {
      config: { role: 'settings:admin' },
      schema: {
        tags: ['schedules'],
        summary: 'Change the period, pause or resume; creates the schedule when missing',
        params: NameParamsSchema,
        body: ScheduleUpdateSchema,
        response: { 200: ScheduleSchema, ...errorResponses(400, 401, 403, 404, 503) },
      },
    },
    async (request) => {
      const companyId = request.auth.companyId;
      const ref = { name: nameOf(request.params.name), companyId };
      const { every, paused } = request.body;
      const change = {
        ...(every !== undefined ? { every } : {}),
        ...(paused !== undefined ? { paused, note: `${paused ? 'paused' : 'resumed'} by ${actorOf(request)}` } : {}),
      };
      let result;
      try {
        result = await temporalCall(request.log, async () => {
          // A bad period is refused before anything is created, the company's other schedule included.
          if (every !== undefined) parsePeriod(every);
          await ensureCompany(companyId, ref.name);
          return updateSchedule(ctx, ref, change);
        });
      } catch (err) {
        if (err instanceof SchedulePeriodError) {
          throw new BadRequestError(`invalid body: /body/every ${err.message}`, [{ path: '/body/every', message: err.message }]);
        }
        throw err;
      }
      const summary = (v: ScheduleView) => (v.exists ? { every: v.every, paused: v.paused } : null);
      const [before, after] = [summary(result.before), summary(result.after)];
      if (JSON.stringify(before) !== JSON.stringify(after)) {
        await createConfigChangeRepository(deps.db).record({
          companyId,
          actor: actorOf(request),
          entity: 'schedule',
          entityId: ref.name,
          action: result.created ? 'create' : 'update',
          before,
          after,
        });
      }
      return withLink(result.after);
    },
  );

  app.post(
    '/schedules/:name/trigger',
    {
      config: { role: 'settings:admin' },
      schema: {
        tags: ['schedules'],
        summary: 'Run the job now (after the current run, if one is under way)',
        params: NameParamsSchema,
        response: { 202: ScheduleSchema, ...errorResponses(401, 403, 404, 503) },
      },
    },
    async (request, reply) => {
      const ref = { name: nameOf(request.params.name), companyId: request.auth.companyId };
      const view = await temporalCall(request.log, async () => {
        await ensureCompany(ref.companyId, ref.name);
        await triggerSchedule(ctx, ref);
        return describeSchedule(ctx, ref);
      });
      return reply.status(202).send(withLink(view));
    },
  );
};

/** Temporal trouble is a 503 for the caller; our own refusals pass through. */
async function temporalCall<T>(log: FastifyBaseLogger, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    if (err instanceof SchedulePeriodError || err instanceof AppError) throw err;
    log.error({ err }, 'schedule call failed');
    throw new ServiceUnavailableError('the workflow engine is unavailable');
  }
}
