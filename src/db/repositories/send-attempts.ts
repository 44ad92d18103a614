import { eq, sql, type SQL } from 'drizzle-orm';
import type { Channel } from '../../domain/vocabulary';
import { namedStatement, type Db, type StatementArgs } from '../client';
import { sendAttempts, type NewJournalEntry, type SendAttempt } from '../schema';
import { journalInsertSql, journalRows } from './journal';
import { sentSmsSql, type SentSmsValues } from './limits';

type BeginSmsValues = SentSmsValues & {
  rows: string;
  stepKey: string;
  parts: number;
  /** SMS to one phone per `seconds`; null: not limited (a manager's phone). */
  recipientLimit: number | null;
  /** SMS of the company per `companySeconds`. */
  companyLimit: number;
};

/**
 * An SMS's first attempt before the provider call, in one statement: writes
 * its `rendered` entry and, only when that is new (no earlier attempt can
 * have got further), counts the SMS limits and marks the message `sending`
 * if it is within them. The limits' rule is `smsLimitReason`'s, written here
 * in SQL too (`begin-sms.test.ts` ties the two); the reason a refusal gives
 * is still worded there.
 */
function beginSmsSql(v: StatementArgs<BeginSmsValues>): SQL {
  return sql`
    with rendered as (${journalInsertSql(v.rows)}),
    counts as (select * from (${sentSmsSql(v)}) as c where exists (select 1 from rendered)),
    marker as (
      insert into ${sendAttempts} (step_key, company_id, channel, parts)
      select ${v.stepKey}::text, ${v.companyId}::text, 'sms', ${v.parts}::int from counts
      where (${v.recipientLimit}::int is null or counts.to_recipient < ${v.recipientLimit}::int) and counts.by_company < ${v.companyLimit}::int
      on conflict (step_key) do nothing
      returning step_key)
    select exists (select 1 from rendered) as created, counts.to_recipient, counts.by_company, exists (select 1 from marker) as marked
    from (select 1) as one left join counts on true`;
}

const BEGIN_SMS = namedStatement<BeginSmsValues>(
  'send_attempts_begin_sms',
  ['rows', 'stepKey', 'companyId', 'recipient', 'seconds', 'companySeconds', 'parts', 'recipientLimit', 'companyLimit'],
  beginSmsSql,
);

/** What `beginSms` found: whether `rendered` was new, and then the limits' counts and whether the message was marked `sending`. */
export type SmsBegun =
  | { created: false }
  | { created: true; counts: { toRecipient: number; byCompany: number }; marked: boolean };

/**
 * The `sending` markers of the duplicate window: written before a provider is
 * called, filled in with the provider's ids as it answers, read by a retry
 * that finds no `sent` entry in the journal.
 */
export function createSendAttemptRepository(db: Db) {
  return {
    async find(stepKey: string): Promise<SendAttempt | undefined> {
      const [row] = await db.select().from(sendAttempts).where(eq(sendAttempts.stepKey, stepKey));
      return row;
    },

    /** Marks the message `sending`; idempotent by its step key (an existing marker is kept as it is). */
    async begin(stepKey: string, companyId: string, channel: Channel, parts: number): Promise<void> {
      await db.insert(sendAttempts).values({ stepKey, companyId, channel, parts }).onConflictDoNothing({ target: sendAttempts.stepKey });
    },

    /**
     * An SMS's first attempt: `rendered`, the limits' counts and the
     * `sending` marker (under `stepKey`, when within the limits) in one
     * statement, as `beginSmsSql` says. `rendered` not new: nothing else done.
     */
    async beginSms(
      rendered: NewJournalEntry,
      sms: {
        stepKey: string;
        parts: number;
        windows: { recipientSeconds: number; companySeconds: number };
        limits: { recipient: number | null; company: number };
      },
    ): Promise<SmsBegun> {
      const [row] = await BEGIN_SMS(db, {
        rows: journalRows([rendered]),
        stepKey: sms.stepKey,
        companyId: rendered.companyId,
        recipient: rendered.recipient ?? '',
        seconds: sms.windows.recipientSeconds,
        companySeconds: sms.windows.companySeconds,
        parts: sms.parts,
        recipientLimit: sms.limits.recipient,
        companyLimit: sms.limits.company,
      });
      if (row?.created !== true) return { created: false };
      return {
        created: true,
        counts: { toRecipient: Number(row.to_recipient ?? 0), byCompany: Number(row.by_company ?? 0) },
        marked: row.marked === true,
      };
    },

    /** Forgets a marker whose message is known not to be at the provider, so the next call starts afresh. */
    async restart(stepKey: string, parts: number): Promise<void> {
      await db
        .update(sendAttempts)
        .set({ state: 'sending', provider: null, providerMessageIds: [], parts, updatedAt: sql`now()` })
        .where(eq(sendAttempts.stepKey, stepKey));
    },

    /** Drops the marker: the attempt failed in a way that left nothing at the provider. */
    async clear(stepKey: string): Promise<void> {
      await db.delete(sendAttempts).where(eq(sendAttempts.stepKey, stepKey));
    },

    /** Adds the provider's id of one accepted part; `accepted` once every part has one. */
    async partAccepted(stepKey: string, provider: string, index: number, providerMessageId: string): Promise<void> {
      await db
        .update(sendAttempts)
        .set({
          provider,
          providerMessageIds: sql`(${sendAttempts.providerMessageIds})[1:${index}] || array[${providerMessageId}]::text[]`,
          state: sql`case when ${index + 1} >= ${sendAttempts.parts} then 'accepted' else 'sending' end`,
          updatedAt: sql`now()`,
        })
        .where(eq(sendAttempts.stepKey, stepKey));
    },
  };
}
