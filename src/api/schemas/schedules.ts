import { Type, type Static } from '@sinclair/typebox';
import { MAX_PERIOD_SECONDS, MIN_PERIOD_SECONDS } from '../../temporal/schedules';

const nullableString = Type.Union([Type.String(), Type.Null()]);

export const ScheduleSchema = Type.Object({
  name: Type.String({ description: '`email-dispatch` or `sms-balance`, both this company\'s own.' }),
  scheduleId: Type.String({ description: 'The Temporal Schedule id: `<name>:<companyId>`, plus `@<taskQueue>` off the default queue.' }),
  workflowType: Type.String(),
  title: Type.String({ description: 'The task\'s name as operators know it, e.g. «Журнал обмена. Отправка e-mail» (seed 000); also the start of its note in the Temporal UI.' }),
  description: Type.String({ description: "The task's description (seed 000)." }),
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
export type ScheduleDto = Static<typeof ScheduleSchema>;

export const ScheduleListSchema = Type.Object({ items: Type.Array(ScheduleSchema) });

export const ScheduleParamsSchema = Type.Object({ name: Type.String({ minLength: 1, maxLength: 100 }) });

export const ScheduleUpdateSchema = Type.Object(
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
export type ScheduleUpdate = Static<typeof ScheduleUpdateSchema>;
