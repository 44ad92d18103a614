import { and, eq, lt, sql, type Placeholder, type SQL } from 'drizzle-orm';
import { namedStatement, type Db, type StatementArgs } from '../client';
import { journalEntries, rateLimitWindows } from '../schema';

export interface WindowHit {
  /** Requests in the current window, this one included. */
  count: number;
  /** Whole seconds until the current window ends (at least 1). */
  retryAfterSeconds: number;
}

/**
 * One request of `key` counted in the fixed window of `windowSeconds` that
 * holds the database's now, atomically across processes: an insert that
 * returns `count`, `window_start` and `retry_after` (whole seconds, at least 1).
 * Also a part of other statements (`events.intake`), as a CTE.
 */
export type SentSmsValues = { companyId: string; recipient: string; seconds: number; companySeconds: number };

/**
 * The SMS limits' two counts in one statement (before every SMS): sent SMS to
 * one phone within `seconds`, and by the company within `companySeconds`,
 * each over its own partial index (journal_sms_sent_recipient_idx,
 * journal_sms_sent_company_idx). Also a part of `sendAttempts.beginSms`.
 */
export function sentSmsSql(v: StatementArgs<SentSmsValues>): SQL {
  const sentSmsWithin = (secs: SQL, to?: SQL) => sql`(select count(*)::int from ${journalEntries}
    where ${journalEntries.companyId} = ${v.companyId}::text${to === undefined ? sql`` : sql` and ${journalEntries.recipient} = ${to}`}
      and ${journalEntries.status} = 'sent' and ${journalEntries.channel} = 'sms'
      and ${journalEntries.createdAt} > now() - make_interval(secs => ${secs}))`;
  return sql`select ${sentSmsWithin(sql`${v.seconds}::int`, sql`${v.recipient}::text`)} as to_recipient, ${sentSmsWithin(sql`${v.companySeconds}::int`)} as by_company`;
}

const SENT_SMS = namedStatement<SentSmsValues>('limits_sent_sms', ['companyId', 'recipient', 'seconds', 'companySeconds'], sentSmsSql);

export function windowHitSql(key: string | Placeholder, windowSeconds: number | Placeholder): SQL {
  const windowStart = sql`to_timestamp(floor(extract(epoch from now()) / ${windowSeconds}) * ${windowSeconds})`;
  return sql`
    insert into ${rateLimitWindows} (key, window_start, count)
    values (${key}, ${windowStart}, 1)
    on conflict (key, window_start) do update set count = ${rateLimitWindows.count} + 1
    returning count, window_start,
      greatest(1, ceil(extract(epoch from (window_start + make_interval(secs => ${windowSeconds}) - now()))))::int as retry_after`;
}

/** The key's windows before the current one: no longer needed once its first request of a new window is counted. */
export function staleWindowsSql(key: string | Placeholder, windowSeconds: number | Placeholder) {
  return and(eq(rateLimitWindows.key, key), lt(rateLimitWindows.windowStart, sql`now() - make_interval(secs => ${windowSeconds})`));
}

/** A row returned by {@link windowHitSql}, as `pg` gives it. */
export function windowHitOf(row: { count: number | string; retry_after: number | string; window_start: Date | string }): WindowHit & { windowStart: Date } {
  return { count: Number(row.count), retryAfterSeconds: Number(row.retry_after), windowStart: new Date(row.window_start) };
}

/** Counters behind the abuse limits, kept in PostgreSQL so every process sees the same numbers. */
export function createLimitsRepository(db: Db) {
  return {
    /**
     * Counts one request of `key` in the fixed window of `windowSeconds` that
     * holds the database's now, atomically across processes.
     */
    async hit(key: string, windowSeconds: number): Promise<WindowHit & { windowStart: Date }> {
      const result = await db.execute(windowHitSql(key, windowSeconds));
      const hit = windowHitOf(result.rows[0] as { count: number; retry_after: number; window_start: Date | string });
      if (hit.count === 1) {
        // The first request of a new window: the key's older windows are no longer needed.
        await db.delete(rateLimitWindows).where(staleWindowsSql(key, windowSeconds));
      }
      return hit;
    },

    /** Gives back one request counted by {@link hit} in the window it was counted in (a request that was not served). */
    async refund(key: string, windowStart: Date): Promise<void> {
      await db
        .update(rateLimitWindows)
        .set({ count: sql`greatest(${rateLimitWindows.count} - 1, 0)` })
        .where(and(eq(rateLimitWindows.key, key), eq(rateLimitWindows.windowStart, windowStart)));
    },

    /** Requests of `key` counted so far in the current window, without counting one. */
    async current(key: string, windowSeconds: number): Promise<WindowHit> {
      const result = await db.execute(sql`
        select coalesce(max(count), 0)::int as count,
          greatest(1, ceil(extract(epoch from (to_timestamp(floor(extract(epoch from now()) / ${windowSeconds}) * ${windowSeconds})
            + make_interval(secs => ${windowSeconds}) - now()))))::int as retry_after
        from ${rateLimitWindows}
        where key = ${key} and window_start = to_timestamp(floor(extract(epoch from now()) / ${windowSeconds}) * ${windowSeconds})`);
      const row = result.rows[0] as { count: number; retry_after: number };
      return { count: Number(row.count), retryAfterSeconds: Number(row.retry_after) };
    },

    /** Forgets every window of `key`. */
    async clear(key: string): Promise<void> {
      await db.delete(rateLimitWindows).where(eq(rateLimitWindows.key, key));
    },

    /** SMS the company sent to `recipient` in the last `seconds`, and in all in the last `companySeconds`. */
    async sentSms(companyId: string, recipient: string, seconds: number, companySeconds: number): Promise<{ toRecipient: number; byCompany: number }> {
      const [row] = await SENT_SMS(db, { companyId, recipient, seconds, companySeconds });
      return { toRecipient: Number(row?.to_recipient ?? 0), byCompany: Number(row?.by_company ?? 0) };
    },
  };
}
