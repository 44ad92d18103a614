/**
 * The periodic jobs as Temporal Schedules (R16, R17): created at start when
 * missing, managed by the API, visible on the Temporal UI's Schedules page.
 *
 * Names and ids: every company has its own two schedules, so that one company
 * pausing, slowing down or triggering its jobs never touches another's. The API
 * shows a company only its own, under the public names:
 * - `email-dispatch`: id `email-dispatch:<companyId>`, starts
 *   `dispatchEmailOutbox({ companyId })`, which sends only that company's queued
 *   e-mail, every 5 minutes by default.
 * - `sms-balance`: id `sms-balance:<companyId>`, starts `checkSmsBalance({ companyId })`,
 *   hourly by default.
 * On a task queue other than the default `notifications` the id gets
 * `@<taskQueue>` appended, so deployments (and test runs) sharing a namespace
 * keep their own schedules.
 *
 * A run never overlaps the previous one (overlap SKIP); missed runs are not
 * caught up after downtime beyond a minute, as the next run drains everything anyway.
 */
import {
  ScheduleAlreadyRunning,
  ScheduleNotFoundError,
  ScheduleOverlapPolicy,
  type Client,
  type ScheduleDescription,
  type ScheduleHandle,
  type ScheduleOptions,
} from '@temporalio/client';
import { DEFAULT_TASK_QUEUE, type WorkflowContract } from '../../workflows/contract';
import { TEMPORAL_CALL_TIMEOUT_MS, withinDeadline } from './deadline';

export const SCHEDULE_NAMES = ['email-dispatch', 'sms-balance'] as const;
export type ScheduleName = (typeof SCHEDULE_NAMES)[number];

export function isScheduleName(value: string): value is ScheduleName {
  return (SCHEDULE_NAMES as readonly string[]).includes(value);
}

/** Default period of each schedule, in seconds. */
export const DEFAULT_PERIOD_SECONDS: Readonly<Record<ScheduleName, number>> = { 'email-dispatch': 300, 'sms-balance': 3600 };
export const WORKFLOW_TYPES: Readonly<Record<ScheduleName, string>> = { 'email-dispatch': 'dispatchEmailOutbox', 'sms-balance': 'checkSmsBalance' };
/**
 * What operators call each job (seed 000 names the e-mail task), shown in the
 * Temporal UI as the schedule's note when it is created, in its memo and as the
 * summary of every run it starts.
 */
export const SCHEDULE_TITLES: Readonly<Record<ScheduleName, string>> = {
  'email-dispatch': 'Журнал обмена. Отправка e-mail',
  'sms-balance': 'Проверка баланса SMS',
};

/** The task's description, as seed 000 has it filled in ("В описании вписать `Журнал обмена. Отправка e-mail`"). */
export const SCHEDULE_DESCRIPTIONS: Readonly<Record<ScheduleName, string>> = {
  'email-dispatch': 'Журнал обмена. Отправка e-mail',
  'sms-balance': 'Проверка баланса SMS у провайдера; ниже порога администратор получает одно письмо',
};

/** Bounds of a period set through the API: a minute to a week. */
export const MIN_PERIOD_SECONDS = 60;
export const MAX_PERIOD_SECONDS = 7 * 86_400;

/** A period the API refuses; its message is meant for the caller. */
export class SchedulePeriodError extends Error {
  override readonly name = 'SchedulePeriodError';
}

const UNIT_SECONDS = { d: 86_400, h: 3600, m: 60, s: 1 } as const;

/**
 * A period as `"30s"`, `"5m"`, `"1h"`, `"1d"` or combined (`"1h30m"`), or a
 * whole number of seconds. Throws {@link SchedulePeriodError} when it is
 * malformed or outside {@link MIN_PERIOD_SECONDS}..{@link MAX_PERIOD_SECONDS}.
 */
export function parsePeriod(every: string | number): number {
  let seconds: number;
  if (typeof every === 'number') {
    if (!Number.isInteger(every) || every <= 0) throw new SchedulePeriodError('must be a whole number of seconds or a duration like "5m", "1h", "30s"');
    seconds = every;
  } else {
    const match = /^(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/.exec(every.trim());
    if (!match || every.trim() === '') throw new SchedulePeriodError('must be a duration like "5m", "1h", "30s", "1h30m" or a number of seconds');
    const [, d, h, m, s] = match;
    seconds = Number(d ?? 0) * UNIT_SECONDS.d + Number(h ?? 0) * UNIT_SECONDS.h + Number(m ?? 0) * UNIT_SECONDS.m + Number(s ?? 0);
  }
  if (seconds < MIN_PERIOD_SECONDS) throw new SchedulePeriodError(`must be at least ${formatPeriod(MIN_PERIOD_SECONDS)} (${MIN_PERIOD_SECONDS} seconds)`);
  if (seconds > MAX_PERIOD_SECONDS) throw new SchedulePeriodError(`must be at most ${formatPeriod(MAX_PERIOD_SECONDS)} (${MAX_PERIOD_SECONDS} seconds)`);
  return seconds;
}

/** Seconds as the shortest duration string `parsePeriod` reads back: 300 → `"5m"`, 5400 → `"1h30m"`. */
export function formatPeriod(seconds: number): string {
  let rest = Math.round(seconds);
  let out = '';
  for (const [unit, size] of Object.entries(UNIT_SECONDS)) {
    const n = Math.floor(rest / size);
    if (n > 0) out += `${n}${unit}`;
    rest -= n * size;
  }
  return out || '0s';
}

/** Which schedule: the `email-dispatch` or the `sms-balance` of a company. */
export interface ScheduleRef {
  name: ScheduleName;
  companyId: string;
}

/** Where the schedules live and what their workflows run on. */
export interface ScheduleContext {
  client: Client;
  taskQueue: string;
  /**
   * How long one Temporal call (create, describe, update, trigger) may take
   * before it fails with `TemporalTimeoutError`; default
   * {@link TEMPORAL_CALL_TIMEOUT_MS}, so a down Temporal makes the API answer
   * 503 at once instead of after the SDK's own retries.
   */
  callTimeoutMs?: number;
}

/** One Temporal call of a schedule operation, bounded by the context's deadline. */
function bounded<T>(ctx: ScheduleContext, call: () => Promise<T>): Promise<T> {
  return withinDeadline(ctx.client, call, ctx.callTimeoutMs ?? TEMPORAL_CALL_TIMEOUT_MS);
}

/** `<name>:<companyId>`, with `@<taskQueue>` appended off the default queue. */
export function scheduleIdOf(ref: ScheduleRef, taskQueue: string): string {
  // Every schedule belongs to one company; an id without one would be shared by all.
  if (!ref.companyId) throw new Error(`schedule ${ref.name} needs a company`);
  const base = `${ref.name}:${ref.companyId}`;
  return taskQueue === DEFAULT_TASK_QUEUE ? base : `${base}@${taskQueue}`;
}

/** A schedule as the API shows it, read back from Temporal. */
export interface ScheduleView {
  name: ScheduleName;
  scheduleId: string;
  workflowType: string;
  /** The task's name as operators know it (seed 000: «Журнал обмена. Отправка e-mail»). */
  title: string;
  /** The task's description (seed 000). */
  description: string;
  /** False when nobody created it yet (or it was deleted); a restart or a PUT creates it. */
  exists: boolean;
  every: string | null;
  everySeconds: number | null;
  paused: boolean;
  note: string | null;
  overlap: string | null;
  nextRunAt: string[];
  recentRuns: { workflowId: string; runId: string; scheduledAt: string; startedAt: string }[];
  runningWorkflowIds: string[];
  actionsTaken: number;
}

async function create(ctx: ScheduleContext, ref: ScheduleRef, everySeconds: number, paused: boolean): Promise<boolean> {
  const scheduleId = scheduleIdOf(ref, ctx.taskQueue);
  const common: Omit<ScheduleOptions, 'action'> = {
    scheduleId,
    spec: { intervals: [{ every: everySeconds * 1000 }] },
    policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '1 minute' },
    memo: { name: ref.name, title: SCHEDULE_TITLES[ref.name], description: SCHEDULE_DESCRIPTIONS[ref.name], companyId: ref.companyId },
    state: { paused, note: paused ? `${SCHEDULE_TITLES[ref.name]} (создано на паузе)` : SCHEDULE_TITLES[ref.name] },
  };
  const staticSummary = `${SCHEDULE_TITLES[ref.name]} (компания ${ref.companyId})`;
  try {
    if (ref.name === 'email-dispatch') {
      await bounded(ctx, () =>
        ctx.client.schedule.create<WorkflowContract['dispatchEmailOutbox']>({
          ...common,
          action: {
            type: 'startWorkflow',
            workflowType: 'dispatchEmailOutbox',
            workflowId: scheduleId,
            taskQueue: ctx.taskQueue,
            args: [{ companyId: ref.companyId }],
            workflowExecutionTimeout: '1 hour',
            staticSummary,
          },
        }),
      );
    } else {
      await bounded(ctx, () =>
        ctx.client.schedule.create<WorkflowContract['checkSmsBalance']>({
          ...common,
          action: {
            type: 'startWorkflow',
            workflowType: 'checkSmsBalance',
            workflowId: scheduleId,
            taskQueue: ctx.taskQueue,
            args: [{ companyId: ref.companyId }],
            workflowExecutionTimeout: '10 minutes',
            staticSummary,
          },
        }),
      );
    }
    return true;
  } catch (err) {
    // Another worker starting at the same moment made it first.
    if (err instanceof ScheduleAlreadyRunning) return false;
    throw err;
  }
}

export interface EnsureSchedulesOptions extends ScheduleContext {
  /** Companies that get their schedules. */
  companies: readonly string[];
  /** Which of each company's schedules; defaults to all of {@link SCHEDULE_NAMES}. */
  names?: readonly ScheduleName[];
  /** Periods in seconds for schedules created now (existing ones keep theirs); defaults {@link DEFAULT_PERIOD_SECONDS}. */
  periods?: Partial<Record<ScheduleName, number>>;
}

/**
 * Creates the companies' schedules that are missing and leaves existing ones as
 * operators set them. Run at every worker start for every company, so a schedule
 * deleted by hand comes back; the API runs it for a company on its first call.
 */
export async function ensureSchedules(opts: EnsureSchedulesOptions): Promise<{ created: string[]; existing: string[] }> {
  const names = opts.names ?? SCHEDULE_NAMES;
  const refs: ScheduleRef[] = opts.companies.flatMap((companyId) => names.map((name) => ({ name, companyId })));
  const created: string[] = [];
  const existing: string[] = [];
  for (const ref of refs) {
    const every = opts.periods?.[ref.name] ?? DEFAULT_PERIOD_SECONDS[ref.name];
    (await create(opts, ref, every, false) ? created : existing).push(scheduleIdOf(ref, opts.taskQueue));
  }
  return { created, existing };
}

/** The schedules a company sees: its own `email-dispatch` and `sms-balance`, never another company's. */
export async function listSchedules(ctx: ScheduleContext, companyId: string): Promise<ScheduleView[]> {
  return Promise.all(SCHEDULE_NAMES.map((name) => describeSchedule(ctx, { name, companyId })));
}

export async function describeSchedule(ctx: ScheduleContext, ref: ScheduleRef): Promise<ScheduleView> {
  const scheduleId = scheduleIdOf(ref, ctx.taskQueue);
  try {
    return toView(ref, await bounded(ctx, () => handleOf(ctx, ref).describe()));
  } catch (err) {
    if (!(err instanceof ScheduleNotFoundError)) throw err;
    return {
      name: ref.name,
      scheduleId,
      workflowType: WORKFLOW_TYPES[ref.name],
      title: SCHEDULE_TITLES[ref.name],
      description: SCHEDULE_DESCRIPTIONS[ref.name],
      exists: false,
      every: null,
      everySeconds: null,
      paused: false,
      note: null,
      overlap: null,
      nextRunAt: [],
      recentRuns: [],
      runningWorkflowIds: [],
      actionsTaken: 0,
    };
  }
}

export interface ScheduleChange {
  /** See {@link parsePeriod}. */
  every?: string | number;
  paused?: boolean;
  /** Shown in the Temporal UI next to the paused state. */
  note?: string;
}

/**
 * Changes the period and/or pauses or resumes; creates the schedule first when
 * it is missing. Throws {@link SchedulePeriodError} on a bad period, before touching anything.
 */
export async function updateSchedule(
  ctx: ScheduleContext,
  ref: ScheduleRef,
  change: ScheduleChange,
): Promise<{ before: ScheduleView; after: ScheduleView; created: boolean }> {
  const everySeconds = change.every !== undefined ? parsePeriod(change.every) : undefined;
  const before = await describeSchedule(ctx, ref);
  if (!before.exists) {
    const made = await create(ctx, ref, everySeconds ?? DEFAULT_PERIOD_SECONDS[ref.name], change.paused ?? false);
    if (made) return { before, after: await describeSchedule(ctx, ref), created: true };
  }
  const periodChanges = everySeconds !== undefined && everySeconds !== before.everySeconds;
  const pauseChanges = change.paused !== undefined && change.paused !== before.paused;
  if (!periodChanges && !pauseChanges) return { before, after: before, created: false };
  // Period and state in ONE update: a separate pause next to a spec update lets the
  // update write back the state it read before the pause landed (issue 13, finding 1).
  // Bounded like every call here: a timed-out update may still land; the caller's retry sets the same values.
  await bounded(ctx, () =>
    handleOf(ctx, ref).update((previous) => {
      const paused = change.paused ?? previous.state.paused;
      // The note keeps the task's name in front, so the Temporal UI still says what the schedule is.
      const note =
        paused !== previous.state.paused ? `${SCHEDULE_TITLES[ref.name]} — ${change.note ?? (paused ? 'приостановлено через API' : 'возобновлено через API')}` : previous.state.note;
      return {
        spec: everySeconds !== undefined ? { intervals: [{ every: everySeconds * 1000 }] } : previous.spec,
        action: previous.action,
        policies: previous.policies,
        state: { ...previous.state, paused, ...(note !== undefined ? { note } : {}) },
      };
    }),
  );
  const expected = { everySeconds: everySeconds ?? before.everySeconds, paused: change.paused ?? before.paused };
  return { before, after: await readBack(ctx, ref, expected), created: false };
}

/**
 * The schedule as Temporal describes it once the change shows, so the answer is
 * what Temporal holds rather than what was asked; gives up waiting after a few
 * seconds and returns what Temporal says then.
 */
async function readBack(ctx: ScheduleContext, ref: ScheduleRef, expected: { everySeconds: number | null; paused: boolean }): Promise<ScheduleView> {
  const deadline = Date.now() + 5000;
  for (;;) {
    const view = await describeSchedule(ctx, ref);
    if ((view.everySeconds === expected.everySeconds && view.paused === expected.paused) || Date.now() > deadline) return view;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/**
 * Runs the job now, creating the schedule first when it is missing. While a
 * run is under way the trigger waits for it (overlap BUFFER_ONE) instead of overlapping it.
 */
export async function triggerSchedule(ctx: ScheduleContext, ref: ScheduleRef): Promise<{ scheduleId: string }> {
  const scheduleId = scheduleIdOf(ref, ctx.taskQueue);
  try {
    await bounded(ctx, () => handleOf(ctx, ref).trigger(ScheduleOverlapPolicy.BUFFER_ONE));
  } catch (err) {
    if (!(err instanceof ScheduleNotFoundError)) throw err;
    await create(ctx, ref, DEFAULT_PERIOD_SECONDS[ref.name], false);
    await bounded(ctx, () => handleOf(ctx, ref).trigger(ScheduleOverlapPolicy.BUFFER_ONE));
  }
  return { scheduleId };
}

function handleOf(ctx: ScheduleContext, ref: ScheduleRef): ScheduleHandle {
  return ctx.client.schedule.getHandle(scheduleIdOf(ref, ctx.taskQueue));
}

function toView(ref: ScheduleRef, d: ScheduleDescription): ScheduleView {
  const everyMs = d.spec.intervals?.[0]?.every;
  const everySeconds = everyMs !== undefined ? Math.round(everyMs / 1000) : null;
  return {
    name: ref.name,
    scheduleId: d.scheduleId,
    workflowType: d.action.workflowType,
    title: SCHEDULE_TITLES[ref.name],
    description: SCHEDULE_DESCRIPTIONS[ref.name],
    exists: true,
    every: everySeconds !== null ? formatPeriod(everySeconds) : null,
    everySeconds,
    paused: d.state.paused,
    note: d.state.note ?? null,
    overlap: d.policies.overlap ?? null,
    nextRunAt: d.info.nextActionTimes.map((t) => t.toISOString()),
    recentRuns: d.info.recentActions.map((a) => ({
      workflowId: a.action.workflow.workflowId,
      runId: a.action.workflow.firstExecutionRunId,
      scheduledAt: a.scheduledAt.toISOString(),
      startedAt: a.takenAt.toISOString(),
    })),
    runningWorkflowIds: d.info.runningActions.map((a) => a.workflow.workflowId),
    actionsTaken: d.info.numActionsTaken,
  };
}

/**
 * Journal retention (`JOURNAL_RETENTION_DAYS`): one schedule per deployment
 * (not per company, and not among the companies' schedules in the API), id
 * `journal-retention` (`@<taskQueue>` appended off the default queue), daily,
 * starting `purgeJournal({ olderThanDays })`.
 */
export const JOURNAL_RETENTION_SCHEDULE = 'journal-retention';
export const JOURNAL_RETENTION_PERIOD_SECONDS = 86_400;

export function journalRetentionScheduleId(taskQueue: string): string {
  return taskQueue === DEFAULT_TASK_QUEUE ? JOURNAL_RETENTION_SCHEDULE : `${JOURNAL_RETENTION_SCHEDULE}@${taskQueue}`;
}

function journalRetentionNote(days: number): string {
  return `Очистка журнала уведомлений: удаляются записи старше ${days} дн.`;
}

/**
 * Makes the retention schedule match the worker's setting: created when a
 * retention is set, its age updated when it changed, deleted when retention
 * is off (unset). Run at every worker start; workers starting together agree.
 */
export async function ensureJournalRetentionSchedule(
  ctx: ScheduleContext,
  olderThanDays: number | undefined,
): Promise<'created' | 'updated' | 'unchanged' | 'deleted' | 'absent'> {
  const scheduleId = journalRetentionScheduleId(ctx.taskQueue);
  const handle = ctx.client.schedule.getHandle(scheduleId);
  let existing: ScheduleDescription | undefined;
  try {
    existing = await bounded(ctx, () => handle.describe());
  } catch (err) {
    if (!(err instanceof ScheduleNotFoundError)) throw err;
  }
  if (olderThanDays === undefined) {
    if (!existing) return 'absent';
    await bounded(ctx, () => handle.delete()).catch((err: unknown) => {
      if (!(err instanceof ScheduleNotFoundError)) throw err;
    });
    return 'deleted';
  }
  const args: Parameters<WorkflowContract['purgeJournal']> = [{ olderThanDays }];
  if (existing) {
    const current = existing.action.type === 'startWorkflow' ? (existing.action.args as unknown[] | undefined)?.[0] : undefined;
    if ((current as { olderThanDays?: unknown } | undefined)?.olderThanDays === olderThanDays) return 'unchanged';
    await bounded(ctx, () =>
      handle.update((previous) => ({
        ...previous,
        action: { ...previous.action, args } as typeof previous.action,
        state: { ...previous.state, note: journalRetentionNote(olderThanDays) },
      })),
    );
    return 'updated';
  }
  try {
    await bounded(ctx, () =>
      ctx.client.schedule.create<WorkflowContract['purgeJournal']>({
        scheduleId,
        spec: { intervals: [{ every: JOURNAL_RETENTION_PERIOD_SECONDS * 1000 }] },
        policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '1 minute' },
        memo: { name: JOURNAL_RETENTION_SCHEDULE, title: 'Очистка журнала уведомлений' },
        state: { paused: false, note: journalRetentionNote(olderThanDays) },
        action: {
          type: 'startWorkflow',
          workflowType: 'purgeJournal',
          workflowId: scheduleId,
          taskQueue: ctx.taskQueue,
          args,
          workflowExecutionTimeout: '6 hours',
          staticSummary: `Очистка журнала уведомлений (старше ${olderThanDays} дн.)`,
        },
      }),
    );
    return 'created';
  } catch (err) {
    if (err instanceof ScheduleAlreadyRunning) return 'unchanged';
    throw err;
  }
}
