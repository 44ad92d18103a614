import { and, asc, desc, eq, getTableColumns, gte, inArray, like, lt, lte, ne, or, sql, type SQL } from 'drizzle-orm';
import { statusChangeStepKey } from '../../domain/keys';
import { MESSAGE_STATUS_LABELS, MESSAGE_WORKFLOW_PREFIXES, type MessageStatus } from '../../domain/messages';
import { peopleReason, reasonText } from '../../domain/reasons';
import type { Channel, DeliveryReport, ManualStatus } from '../../domain/vocabulary';
import { namedStatement, type Db, type StatementArgs } from '../client';
import { events, journalEntries, type JournalEntry, type NewJournalEntry } from '../schema';

export interface JournalFilter {
  counterpartyId?: string | undefined;
  eventType?: string | undefined;
  eventId?: string | undefined;
  channel?: Channel | undefined;
  status?: string | undefined;
  from?: Date | undefined;
  to?: Date | undefined;
  /** Cursor: only entries older than this id. */
  before?: number | undefined;
  limit: number;
}

/** Filters of the message view that the database applies: the ones every entry of a message shares, and its first step's time. */
export interface MessageGroupFilter {
  counterpartyId?: string | undefined;
  eventType?: string | undefined;
  eventId?: string | undefined;
  from?: Date | undefined;
  to?: Date | undefined;
  /** Cursor: only messages whose first entry is older than this id. */
  before?: number | undefined;
  limit: number;
}

/**
 * The recipient part of an event workflow's step key
 * `<workflowId>/<deliveryKey>[/<channel>]/<step>`; empty for steps of the event as a whole.
 */
const stepTail = sql`substr(${journalEntries.stepKey}, length(${journalEntries.workflowId}) + 2)`;
const deliveryKeyOfStep = sql<string>`split_part(${stepTail}, '/', 1)`;

/** A manager's change of a tracked entry's status (R14). */
export interface StatusChange {
  to: ManualStatus;
  /** Who: `key:<id> <name>` for API keys, `Name (login)` for a signed-in person. */
  by: string;
  /** The signed-in person's user id; absent for an API key. */
  byUserId?: number | undefined;
  comment: string | null;
  at: Date;
}

/**
 * The journal keeps reasons in the words people read (`domain/reasons.ts`):
 * whatever a writer passes (a provider's English words, an older constant)
 * is put in Russian here, the one door every entry comes through.
 */
function forPeople(entry: NewJournalEntry): NewJournalEntry {
  if (!entry.reason) return entry;
  const details = entry.details as { type?: unknown; error?: unknown } | null | undefined;
  const type = typeof details?.type === 'string' ? details.type : typeof details?.error === 'string' ? details.error : undefined;
  const reason = peopleReason(entry.reason, type);
  return reason === entry.reason ? entry : { ...entry, reason };
}

/**
 * The columns a journal write fills: all but the id, the creation time and
 * the outbox's claim columns, which take their defaults. From the schema, so
 * the statement below follows it.
 */
const ALL_COLUMNS = Object.entries(getTableColumns(journalEntries));
const WRITTEN_COLUMNS = ALL_COLUMNS.filter(([key]) => !['id', 'createdAt', 'claimToken', 'claimedUntil', 'dispatchedAt'].includes(key)).map(
  ([key, column]) => ({ key: key as keyof NewJournalEntry, name: column.name, type: column.getSQLType() }),
);

/** The values of the write statement: the rows as a JSON array, and the run that opens its event, if any. */
type WriteValues = { rows: string; companyId: string | null; eventId: string | null; runId: string | null };
type WriteArgs = StatementArgs<WriteValues>;

/**
 * Inserts the rows of a JSON array (`journalRows`) in its order, each once per
 * step key (`on conflict do nothing`), and returns those inserted. Also a part
 * of other statements (`sendAttempts.beginSms`), as a CTE.
 */
export function journalInsertSql(rows: StatementArgs<WriteValues>['rows']): SQL {
  const columns = sql.join(WRITTEN_COLUMNS.map(({ name }) => sql.identifier(name)), sql`, `);
  const definitions = sql.raw([...WRITTEN_COLUMNS.map(({ name, type }) => `"${name}" ${type}`), 'ord integer'].join(', '));
  return sql`insert into ${journalEntries} (${columns})
    select ${columns} from jsonb_to_recordset(${rows}::jsonb) as r(${definitions}) order by r.ord
    on conflict (step_key) do nothing
    returning *`;
}

/** Entries as the JSON array `journalInsertSql` reads, their reasons in people's words. */
export function journalRows(entries: readonly NewJournalEntry[]): string {
  return JSON.stringify(
    entries.map(forPeople).map((entry, ord) => ({
      ...Object.fromEntries(WRITTEN_COLUMNS.map(({ key, name }) => [name, entry[key] ?? null])),
      ord,
    })),
  );
}

/**
 * `journalInsertSql`; with a run, the same statement records it as its
 * event's unless one is recorded already.
 */
function writeSql(v: WriteArgs, opensEvent: boolean): SQL {
  const started = opensEvent
    ? sql`with event_started as (
        update ${events} set run_id = ${v.runId}, started_at = now()
        where ${events.companyId} = ${v.companyId} and ${events.id} = ${v.eventId} and ${events.runId} is null
        returning ${events.id}) `
    : sql``;
  return sql`${started}${journalInsertSql(v.rows)}`;
}

const WRITE_NAMES = ['rows', 'companyId', 'eventId', 'runId'] as const;

/** The write, without and with the run that opens its event: each a named prepared statement, whatever the number of rows. */
const WRITE = {
  plain: namedStatement<WriteValues>('journal_write', WRITE_NAMES, (v) => writeSql(v, false)),
  opening: namedStatement<WriteValues>('journal_write_opening', WRITE_NAMES, (v) => writeSql(v, true)),
};

type DeliveryReportValues = {
  companyId: string | null;
  provider: string;
  providerMessageId: string;
  status: string;
  reason: string | null;
  details: string;
};

/**
 * A delivery report in one statement: the message's `sent` entry, the
 * report's entry made from it under the step key `deliveryReportStepKey`
 * gives (once), and, when that entry exists already, the existing one, each
 * row with `created`. No `sent` entry (yet): no row.
 */
function deliveryReportSql(v: StatementArgs<DeliveryReportValues>, ofCompany: boolean): SQL {
  const own: Partial<Record<string, SQL>> = {
    step_key: sql`sent.report_key`,
    status: sql`${v.status}::text`,
    reason: sql`${v.reason}::text`,
    attempt: sql`null::integer`,
    details: sql`${v.details}::jsonb`,
  };
  const columns = WRITTEN_COLUMNS.map(({ name }) => name);
  return sql`
    with sent as (
      select j.*, regexp_replace(j.step_key, '/sent$', '') || '/' || ${v.status}::text as report_key from ${journalEntries} as j
      where ${ofCompany ? sql`j.company_id = ${v.companyId}::text and ` : sql``}j.provider = ${v.provider}::text and j.provider_message_id = ${v.providerMessageId}::text and j.status = 'sent'
      limit 1),
    report as (
      insert into ${journalEntries} (${sql.join(columns.map((c) => sql.identifier(c)), sql`, `)})
      select ${sql.join(columns.map((c) => own[c] ?? sql`sent.${sql.identifier(c)}`), sql`, `)} from sent
      on conflict (step_key) do nothing
      returning *)
    select report.*, true as created from report
    union all
    select earlier.*, false as created from ${journalEntries} as earlier join sent on earlier.step_key = sent.report_key
    where not exists (select 1 from report)`;
}

const DELIVERY_REPORT_NAMES = ['companyId', 'provider', 'providerMessageId', 'status', 'reason', 'details'] as const;

/**
 * For the shared default provider, and for a company's own: its provider
 * names are chosen per company, so its reports never match another
 * company's message.
 */
export const DELIVERY_REPORT = {
  anyCompany: namedStatement<DeliveryReportValues>('journal_delivery_report', DELIVERY_REPORT_NAMES, (v) => deliveryReportSql(v, false)),
  ofCompany: namedStatement<DeliveryReportValues>('journal_delivery_report_company', DELIVERY_REPORT_NAMES, (v) => deliveryReportSql(v, true)),
};

/** A row as the database returns it, in the schema's shape. */
function entryOf(row: Record<string, unknown>): JournalEntry {
  return Object.fromEntries(ALL_COLUMNS.map(([key, column]) => [key, row[column.name] === null ? null : column.mapFromDriverValue(row[column.name])])) as JournalEntry;
}


const statusLabel = (status: string): string => MESSAGE_STATUS_LABELS[status as MessageStatus] ?? status;

const byUserIdOf = (change: StatusChange) => (change.byUserId !== undefined ? { byUserId: change.byUserId } : {});

export function createJournalRepository(db: Db) {
  return {
    /**
     * Writes an entry once per step key; a second call with the same key
     * returns the first row untouched.
     */
    async record(entry: NewJournalEntry): Promise<{ entry: JournalEntry; created: boolean }> {
      const [written] = await this.recordMany([entry]);
      return written!;
    },

    /**
     * Writes several entries in one statement, each once per step key, in the
     * given order (ids ascend with it). Entries whose key exists already come
     * back as the first row, untouched, with `created: false`.
     *
     * With `startedRun`, the same statement records that run as the event's
     * (`events.run_id`, `started_at`) unless a run is recorded already: an
     * event run's opening entries say it started, so the API need not.
     */
    async recordMany(
      entries: NewJournalEntry[],
      opts: { startedRun?: { companyId: string; eventId: string; runId: string } } = {},
    ): Promise<{ entry: JournalEntry; created: boolean }[]> {
      if (entries.length === 0) return [];
      const run = opts.startedRun;
      const values = { rows: journalRows(entries), companyId: run?.companyId ?? null, eventId: run?.eventId ?? null, runId: run?.runId ?? null };
      const inserted = (await (run ? WRITE.opening : WRITE.plain)(db, values)).map(entryOf);
      const byKey = new Map(inserted.map((row) => [row.stepKey, row]));
      const missing = entries.filter((e) => !byKey.has(e.stepKey)).map((e) => e.stepKey);
      const existing = missing.length > 0 ? await db.select().from(journalEntries).where(inArray(journalEntries.stepKey, missing)) : [];
      const found = new Map(existing.map((row) => [row.stepKey, row]));
      return entries.map((e) => {
        const created = byKey.get(e.stepKey);
        if (created) return { entry: created, created: true };
        const row = found.get(e.stepKey);
        if (!row) throw new Error(`journal entry ${e.stepKey} vanished after a conflict`);
        return { entry: row, created: false };
      });
    },

    /**
     * A provider's later word on a sent message (R15 "delivered where a
     * provider reports it"): one entry per sent message and outcome.
     */
    async recordDeliveryReport(report: DeliveryReport): Promise<{ entry: JournalEntry; created: boolean } | undefined> {
      const { reason } = forPeople({
        // The operator's own code (DELIVRD, UNDELIV) stays after the words.
        reason: report.status === 'delivered' ? `Доставлено${report.reason ? ` (${report.reason})` : ''}` : reasonText('undelivered', report.reason ?? undefined),
      } as NewJournalEntry);
      const rows = await (report.companyId ? DELIVERY_REPORT.ofCompany : DELIVERY_REPORT.anyCompany)(db, {
        companyId: report.companyId ?? null,
        provider: report.provider,
        providerMessageId: report.providerMessageId,
        status: report.status,
        reason: reason ?? null,
        details: JSON.stringify({ reportedAt: report.at.toISOString() }),
      });
      const [row] = rows;
      return row ? { entry: entryOf(row), created: row.created === true } : undefined;
    },

    /** One entry of a company's journal; another company's id finds nothing. */
    async findEntry(companyId: string, id: number): Promise<JournalEntry | undefined> {
      const [row] = await db
        .select()
        .from(journalEntries)
        .where(and(eq(journalEntries.companyId, companyId), eq(journalEntries.id, id)));
      return row;
    },

    /** The entries written under any of these step keys. */
    async findByStepKeys(stepKeys: readonly string[]): Promise<JournalEntry[]> {
      if (stepKeys.length === 0) return [];
      return db.select().from(journalEntries).where(inArray(journalEntries.stepKey, [...stepKeys]));
    },

    async findByStepKey(stepKey: string): Promise<JournalEntry | undefined> {
      const rows = await db.select().from(journalEntries).where(eq(journalEntries.stepKey, stepKey)).limit(1);
      return rows[0];
    },

    /** Newest first; one more row than `limit` tells the caller a next page exists. */
    async list(companyId: string, filter: JournalFilter): Promise<JournalEntry[]> {
      return db
        .select()
        .from(journalEntries)
        .where(
          and(
            eq(journalEntries.companyId, companyId),
            filter.counterpartyId ? eq(journalEntries.counterpartyId, filter.counterpartyId) : undefined,
            filter.eventType ? eq(journalEntries.eventType, filter.eventType) : undefined,
            filter.eventId ? eq(journalEntries.eventId, filter.eventId) : undefined,
            filter.channel ? eq(journalEntries.channel, filter.channel) : undefined,
            filter.status ? eq(journalEntries.status, filter.status) : undefined,
            filter.from ? gte(journalEntries.createdAt, filter.from) : undefined,
            filter.to ? lte(journalEntries.createdAt, filter.to) : undefined,
            filter.before ? lt(journalEntries.id, filter.before) : undefined,
          ),
        )
        .orderBy(desc(journalEntries.id))
        .limit(filter.limit + 1);
    },

    /**
     * The entries of the messages (event and recipient) whose first step
     * passes `filter`, newest message first, `limit` messages at most; the
     * message view folds them (see `domain/messages`).
     */
    async listMessageEntries(companyId: string, filter: MessageGroupFilter): Promise<{ groups: number; entries: JournalEntry[] }> {
      const firstId = sql<string>`min(${journalEntries.id})`;
      const firstAt = sql`min(${journalEntries.createdAt})`;
      const groups = await db
        .select({ workflowId: journalEntries.workflowId, deliveryKey: deliveryKeyOfStep, firstId })
        .from(journalEntries)
        .where(
          and(
            eq(journalEntries.companyId, companyId),
            or(...MESSAGE_WORKFLOW_PREFIXES.map((prefix) => like(journalEntries.workflowId, `${prefix}%`))),
            sql`strpos(${stepTail}, '/') > 0`,
            ne(journalEntries.status, 'status_changed'),
            filter.counterpartyId ? eq(journalEntries.counterpartyId, filter.counterpartyId) : undefined,
            filter.eventType ? eq(journalEntries.eventType, filter.eventType) : undefined,
            filter.eventId ? eq(journalEntries.eventId, filter.eventId) : undefined,
          ),
        )
        .groupBy(journalEntries.workflowId, deliveryKeyOfStep)
        .having(
          and(
            filter.before ? sql`${firstId} < ${filter.before}` : undefined,
            filter.from ? sql`${firstAt} >= ${filter.from.toISOString()}::timestamptz` : undefined,
            filter.to ? sql`${firstAt} <= ${filter.to.toISOString()}::timestamptz` : undefined,
          ),
        )
        .orderBy(desc(firstId))
        .limit(filter.limit);
      if (groups.length === 0) return { groups: 0, entries: [] };
      const wanted = new Set(groups.map((g) => `${g.workflowId}\u0000${g.deliveryKey}`));
      const rows = await db
        .select()
        .from(journalEntries)
        .where(and(eq(journalEntries.companyId, companyId), inArray(journalEntries.workflowId, [...new Set(groups.map((g) => g.workflowId))])))
        .orderBy(asc(journalEntries.id));
      const prefixLength = (row: JournalEntry) => row.workflowId.length + 1;
      const entries = rows.filter((row) => wanted.has(`${row.workflowId}\u0000${row.stepKey.slice(prefixLength(row)).split('/')[0]}`));
      return { groups: groups.length, entries };
    },

    /** Every entry of one event, oldest first: its timeline. */
    async listForEvent(companyId: string, eventId: string): Promise<JournalEntry[]> {
      return db
        .select()
        .from(journalEntries)
        .where(and(eq(journalEntries.companyId, companyId), eq(journalEntries.eventId, eventId)))
        .orderBy(asc(journalEntries.id));
    },

    /** The entry that shows a manual send (by its workflow id) already delivered, or rendered in test mode. */
    async findManualSendDelivery(companyId: string, workflowId: string): Promise<JournalEntry | undefined> {
      const [row] = await db
        .select()
        .from(journalEntries)
        .where(
          and(
            eq(journalEntries.companyId, companyId),
            eq(journalEntries.workflowId, workflowId),
            inArray(journalEntries.status, ['sent', 'test']),
          ),
        )
        .limit(1);
      return row;
    },

    /** The `requested` step a manual send's run journaled: what was asked for (edits, request key). */
    async findManualSendRequest(companyId: string, workflowId: string, runId: string | null): Promise<JournalEntry | undefined> {
      const [row] = await db
        .select()
        .from(journalEntries)
        .where(
          and(
            eq(journalEntries.companyId, companyId),
            eq(journalEntries.workflowId, workflowId),
            runId ? eq(journalEntries.runId, runId) : undefined,
            eq(journalEntries.status, 'queued'),
          ),
        )
        .orderBy(desc(journalEntries.id))
        .limit(1);
      return row;
    },

    /**
     * Gives a tracked entry a new status and appends the change to its
     * history, only if nobody changed it since `entry` was read (two managers
     * at once must not lose a change). The change itself is journaled too, so
     * the timeline shows who did what. Returns undefined when the entry changed meanwhile.
     */
    async changeStatus(entry: JournalEntry, change: StatusChange): Promise<JournalEntry | undefined> {
      const history = [
        ...(((entry.details ?? {}) as { statusHistory?: unknown[] }).statusHistory ?? []),
        { from: entry.status, to: change.to, by: change.by, ...byUserIdOf(change), comment: change.comment, at: change.at.toISOString() },
      ];
      return db.transaction(async (tx) => {
        const [updated] = await tx
          .update(journalEntries)
          .set({ status: change.to, details: sql`coalesce(${journalEntries.details}, '{}'::jsonb) || ${JSON.stringify({ statusHistory: history })}::jsonb` })
          .where(
            and(
              eq(journalEntries.companyId, entry.companyId),
              eq(journalEntries.id, entry.id),
              eq(journalEntries.status, entry.status),
              sql`jsonb_array_length(coalesce(${journalEntries.details}->'statusHistory', '[]'::jsonb)) = ${history.length - 1}`,
            ),
          )
          .returning();
        if (!updated) return undefined;
        await createJournalRepository(tx).record({
          companyId: entry.companyId,
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
          reason: `${reasonText('status_changed')}: ${statusLabel(entry.status)} → ${statusLabel(change.to)}${change.comment ? `. Комментарий: ${change.comment}` : ''}`,
          details: { entryId: entry.id, from: entry.status, to: change.to, by: change.by, ...byUserIdOf(change), comment: change.comment },
        });
        return updated;
      });
    },
  };
}

/**
 * Events waiting for a manager's decision (R13): their last journal step is
 * `awaiting_confirmation`. Read at metrics scrape time; the inner lookup uses
 * the per-event index.
 */
export async function countAwaitingConfirmation(db: Db): Promise<number> {
  const later = db
    .select({ one: sql`1` })
    .from(sql`${journalEntries} as later`)
    .where(
      sql`later.company_id = ${journalEntries.companyId} and later.event_id = ${journalEntries.eventId} and later.id > ${journalEntries.id}`,
    );
  const [row] = await db
    .select({ waiting: sql<number>`count(distinct (${journalEntries.companyId}, ${journalEntries.eventId}))::int` })
    .from(journalEntries)
    .where(and(eq(journalEntries.status, 'awaiting_confirmation'), sql`not exists ${later}`));
  return row?.waiting ?? 0;
}

export type JournalRepository = ReturnType<typeof createJournalRepository>;
