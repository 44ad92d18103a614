import { and, desc, eq, lt } from 'drizzle-orm';
import type { Db } from '../client';
import { configChanges, type ConfigChange } from '../schema';

export const CHANGE_ENTITIES = ['settings', 'event_type', 'template', 'counterparty', 'manager', 'api_key', 'provider', 'schedule', 'user'] as const;
export type ChangeEntity = (typeof CHANGE_ENTITIES)[number];

export interface ChangeRecord {
  companyId: string;
  /** Who: `key:<id> <name>` for API keys, `Name (login)` for a signed-in person. */
  actor: string;
  entity: ChangeEntity;
  entityId: string;
  action: 'create' | 'update' | 'patch' | 'delete' | 'revoke';
  before?: unknown;
  after?: unknown;
}

export interface ChangeFilter {
  entity?: ChangeEntity | undefined;
  entityId?: string | undefined;
  /** Cursor: only changes older than this id. */
  before?: number | undefined;
  limit: number;
}

/** The configuration history: who changed what, when. */
export function createConfigChangeRepository(db: Db) {
  return {
    /** Appends one change. Callers pass values with secrets already removed. */
    async record(change: ChangeRecord): Promise<void> {
      await db.insert(configChanges).values({
        companyId: change.companyId,
        actor: change.actor,
        entity: change.entity,
        entityId: change.entityId,
        action: change.action,
        before: change.before ?? null,
        after: change.after ?? null,
      });
    },

    /** Newest first; one more row than `limit` tells the caller a next page exists. */
    async list(companyId: string, filter: ChangeFilter): Promise<ConfigChange[]> {
      return db
        .select()
        .from(configChanges)
        .where(
          and(
            eq(configChanges.companyId, companyId),
            filter.entity ? eq(configChanges.entity, filter.entity) : undefined,
            filter.entityId ? eq(configChanges.entityId, filter.entityId) : undefined,
            filter.before ? lt(configChanges.id, filter.before) : undefined,
          ),
        )
        .orderBy(desc(configChanges.id))
        .limit(filter.limit + 1);
    },
  };
}

export type ConfigChangeRepository = ReturnType<typeof createConfigChangeRepository>;
