import { and, eq, getTableColumns, isNull, sql, type Placeholder, type SQL } from 'drizzle-orm';
import type { EventVariableDef } from '../../domain/vocabulary';
import { namedStatement, type Db, type StatementArgs } from '../client';
import { counterparties, events, eventTypes, rateLimitWindows, type EventRow } from '../schema';
import { staleWindowsSql, windowHitOf, windowHitSql, type WindowHit } from './limits';

export type { EventRow };
export type NewEvent = typeof events.$inferInsert;

/** What an event's check needs to know about its type and client, in one round trip. */
export interface EventTargets {
  /** The type's declared variables; undefined when no such type is configured. */
  variables: EventVariableDef[] | undefined;
  counterpartyExists: boolean;
  /** The type's Russian name, for the run's summary in the Temporal UI. */
  typeName: string | undefined;
  /** The client's name, for the run's summary in the Temporal UI. */
  counterpartyName: string | undefined;
}

/** A new event as the intake stores it. */
export interface IntakeEvent {
  companyId: string;
  id: string;
  type: string;
  counterpartyId: string;
  data: Record<string, unknown>;
  occurredAt: Date | null;
  workflowId: string;
}

/** What {@link EventRepository.intake} found and did. */
export interface Intake {
  /** The event stored under the id before this statement. */
  existing: EventRow | undefined;
  /** The row this statement stored: only for a new, acceptable event (within the rate). */
  inserted: EventRow | undefined;
  targets: EventTargets;
  /** The rate unit counted, when one was asked for. */
  hit: (WindowHit & { windowStart: Date }) | undefined;
}

/** Events as posted by business systems, keyed by company and the caller's id. */
export function createEventRepository(db: Db) {
  return {
    async find(companyId: string, id: string): Promise<EventRow | undefined> {
      const [row] = await db
        .select()
        .from(events)
        .where(and(eq(events.companyId, companyId), eq(events.id, id)))
        .limit(1);
      return row;
    },

    /** The event type's variables and whether the client exists, for checking a posted event. */
    async targets(companyId: string, type: string, counterpartyId: string): Promise<EventTargets> {
      const [row] = await db.select(targetColumns(companyId, type, counterpartyId)).from(sql`(select 1) as one`);
      return targetsOf(row);
    },

    /**
     * Stores an event unless one with its id exists: a concurrent post of the
     * same id keeps the first. Returns the stored row when this call stored it.
     */
    async insertOnce(event: NewEvent): Promise<EventRow | undefined> {
      const [row] = await db.insert(events).values(event).onConflictDoNothing().returning();
      return row;
    },

    /**
     * A post's one statement: counts the caller's rate unit (when `rate` is
     * given), reads the event stored under the id with the targets a new one
     * of this type and client has, and stores the event when there is none,
     * its type and client exist, every required variable is among `given`
     * (`givenVariables`) and the unit is within `rate.limit`. Whatever it did
     * not store, the caller checks with the targets (and the unit) it returns.
     */
    async intake(
      event: IntakeEvent,
      given: readonly string[],
      rate?: { key: string; windowSeconds: number; limit: number },
    ): Promise<Intake> {
      const values: IntakeValues = {
        companyId: event.companyId,
        id: event.id,
        type: event.type,
        counterpartyId: event.counterpartyId,
        data: JSON.stringify(event.data),
        occurredAt: event.occurredAt?.toISOString() ?? null,
        workflowId: event.workflowId,
        given: JSON.stringify(given),
        rateKey: rate?.key ?? null,
        windowSeconds: rate?.windowSeconds ?? null,
        limit: rate?.limit ?? null,
      };
      const [row] = await (rate ? INTAKE.rate : INTAKE.plain)(db, values);
      if (!row) throw new Error('the intake statement returned no row');
      return {
        existing: eventOf(row, 'e_'),
        inserted: eventOf(row, 'i_'),
        targets: targetsOf({
          variables: row['variables'] as EventVariableDef[] | null,
          typeName: row['type_name'] as string | null,
          counterpartyName: row['counterparty_name'] as string | null,
        }),
        hit: rate
          ? windowHitOf({ count: row['hit_count'] as number, retry_after: row['hit_retry_after'] as number, window_start: row['hit_window_start'] as Date })
          : undefined,
      };
    },

    /** Records the run Temporal accepted; a run already recorded stays. */
    async markStarted(companyId: string, id: string, runId: string): Promise<void> {
      await db
        .update(events)
        .set({ runId, startedAt: new Date() })
        .where(and(eq(events.companyId, companyId), eq(events.id, id), isNull(events.runId)));
    },
  };
}

export type EventRepository = ReturnType<typeof createEventRepository>;

function targetColumns(companyId: string, type: string, counterpartyId: string) {
  return {
    variables: sql<EventVariableDef[] | null>`(select ${eventTypes.variables} from ${eventTypes} where ${eventTypes.companyId} = ${companyId} and ${eventTypes.type} = ${type})`,
    typeName: sql<string | null>`(select ${eventTypes.name} from ${eventTypes} where ${eventTypes.companyId} = ${companyId} and ${eventTypes.type} = ${type})`,
    counterpartyName: sql<
      string | null
    >`(select ${counterparties.name} from ${counterparties} where ${counterparties.companyId} = ${companyId} and ${counterparties.id} = ${counterpartyId})`,
  };
}

function targetsOf(row: { variables: EventVariableDef[] | null; typeName: string | null; counterpartyName: string | null } | undefined): EventTargets {
  return {
    variables: row?.variables ?? undefined,
    counterpartyExists: row?.counterpartyName !== null && row?.counterpartyName !== undefined,
    typeName: row?.typeName ?? undefined,
    counterpartyName: row?.counterpartyName ?? undefined,
  };
}

const EVENT_COLUMNS = Object.entries(getTableColumns(events)).map(([key, column]) => ({ key, name: column.name }));

/** Every column of `events` under the alias `table`, each named with `prefix`, for reading two rows in one select. */
function columnsAs(table: string, prefix: string): SQL {
  return sql.join(
    EVENT_COLUMNS.map(({ name }) => sql`${sql.identifier(table)}.${sql.identifier(name)} as ${sql.identifier(prefix + name)}`),
    sql`, `,
  );
}

/** The event row in the columns named with `prefix`; undefined when they are null (no such row). */
function eventOf(row: Record<string, unknown>, prefix: string): EventRow | undefined {
  if (row[`${prefix}id`] === null || row[`${prefix}id`] === undefined) return undefined;
  return Object.fromEntries(EVENT_COLUMNS.map(({ key, name }) => [key, row[prefix + name]])) as unknown as EventRow;
}

/** The values of the intake statement, by name. */
type IntakeValues = {
  companyId: string;
  id: string;
  type: string;
  counterpartyId: string;
  /** JSON text. */
  data: string;
  occurredAt: string | null;
  workflowId: string;
  /** JSON array of the names `givenVariables` returned. */
  given: string;
  /** The rate unit, in the statement that counts one (null in the other). */
  rateKey: string | null;
  windowSeconds: number | null;
  limit: number | null;
};

type IntakeArgs = StatementArgs<IntakeValues>;

/** The intake statement with `v` in it: placeholders (built once, below) or the values themselves. */
function intakeSql(v: IntakeArgs, withRate: boolean): SQL {
  const ctes: SQL[] = [
    sql`et as (select ${eventTypes.name} as name, ${eventTypes.variables} as variables from ${eventTypes} where ${eventTypes.companyId} = ${v.companyId} and ${eventTypes.type} = ${v.type})`,
    sql`cp as (select ${counterparties.name} as name from ${counterparties} where ${counterparties.companyId} = ${v.companyId} and ${counterparties.id} = ${v.counterpartyId})`,
  ];
  if (withRate) {
    ctes.push(sql`hit as (${windowHitSql(v.rateKey as string | Placeholder, v.windowSeconds as number | Placeholder)})`);
    // Within the same statement the delete cannot see the count just written; it only drops earlier windows.
    ctes.push(
      sql`stale as (delete from ${rateLimitWindows} where ${staleWindowsSql(v.rateKey as string | Placeholder, v.windowSeconds as number | Placeholder)} and exists (select 1 from hit where hit.count = 1))`,
    );
  }
  // A required variable: one whose `required` is truthy as JavaScript reads it (`missingVariables`).
  const missing = sql`select 1 from et, jsonb_array_elements(case when jsonb_typeof(et.variables) = 'array' then et.variables else '[]'::jsonb end) v
    where v.value->'required' is not null and v.value->'required' not in ('false'::jsonb, 'null'::jsonb, '0'::jsonb, '""'::jsonb)
      and not coalesce((v.value->>'name') in (select jsonb_array_elements_text(${v.given}::jsonb)), false)`;
  ctes.push(sql`ins as (
    insert into ${events} (company_id, id, type, counterparty_id, data, occurred_at, workflow_id)
    select ${v.companyId}, ${v.id}, ${v.type}, ${v.counterpartyId}, ${v.data}::jsonb, ${v.occurredAt}::timestamptz, ${v.workflowId}
    where exists (select 1 from et) and exists (select 1 from cp) and not exists (${missing})
      ${withRate ? sql`and (select hit.count from hit) <= ${v.limit}` : sql``}
    on conflict do nothing
    returning *)`);
  return sql`
    with ${sql.join(ctes, sql`, `)}
    select ${columnsAs('ins', 'i_')}, ${columnsAs('e', 'e_')},
      (select variables from et) as variables, (select name from et) as type_name, (select name from cp) as counterparty_name
      ${withRate ? sql`, hit.count as hit_count, hit.window_start as hit_window_start, hit.retry_after as hit_retry_after` : sql``}
    from (select 1) as one
    left join ins on true
    left join ${events} e on e.company_id = ${v.companyId} and e.id = ${v.id}
    ${withRate ? sql`left join hit on true` : sql``}`;
}

const INTAKE_NAMES = ['companyId', 'id', 'type', 'counterpartyId', 'data', 'occurredAt', 'workflowId', 'given', 'rateKey', 'windowSeconds', 'limit'] as const;

/** The intake, without and with the rate unit: each a named prepared statement. */
const INTAKE = {
  plain: namedStatement<IntakeValues>('events_intake', INTAKE_NAMES, (v) => intakeSql(v, false)),
  rate: namedStatement<IntakeValues>('events_intake_rate', INTAKE_NAMES, (v) => intakeSql(v, true)),
};
