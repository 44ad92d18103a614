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
  parsePeriod,
  SchedulePeriodError,
  SCHEDULE_NAMES,
  triggerSchedule,
  updateSchedule,
  type ScheduleContext,
  type ScheduleName,
  type ScheduleView,
} from '../../temporal/schedules';
import { scheduleLink } from '../../temporal/links';
import { AppError, BadRequestError, NotFoundError, ServiceUnavailableError } from '../../domain/errors';
import { actorOf } from '../plugins/auth';
import { errorResponses } from '../schemas/common';
import { ScheduleListSchema, ScheduleParamsSchema, ScheduleSchema, ScheduleUpdateSchema } from '../schemas/schedules';

export interface SchedulesRouteDeps {
  db: Db;
  temporal: Client;
  taskQueue: string;
  namespace?: string;
  temporalUiUrl?: string | undefined;
}

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
  const ui = { temporalUiUrl: deps.temporalUiUrl, namespace: deps.namespace ?? 'default' };
  const withLink = (view: ScheduleView) => ({ ...view, temporalUiUrl: view.exists ? scheduleLink(ui, view.scheduleId) : null });
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
        response: { 200: ScheduleListSchema, ...errorResponses(401, 403, 503) },
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
        params: ScheduleParamsSchema,
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
        ...(paused !== undefined ? { paused, note: `${paused ? 'приостановлено' : 'возобновлено'}: ${actorOf(request)}` } : {}),
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
        params: ScheduleParamsSchema,
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
