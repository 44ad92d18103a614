import type { Db } from './client';
import { configChanges } from './schema';

export interface ChangeRecord {
  companyId: string;
  /** Who: `key:<id> <name>` for API keys. */
  actor: string;
  entity: 'settings' | 'event_type' | 'template' | 'counterparty' | 'manager' | 'api_key' | 'provider' | 'schedule';
  entityId: string;
  action: 'create' | 'update' | 'delete' | 'revoke';
  before?: unknown;
  after?: unknown;
}

/** Appends to the configuration history. Callers pass values with secrets already removed. */
export async function recordChange(db: Db, change: ChangeRecord): Promise<void> {
  await db.insert(configChanges).values({
    companyId: change.companyId,
    actor: change.actor,
    entity: change.entity,
    entityId: change.entityId,
    action: change.action,
    before: change.before ?? null,
    after: change.after ?? null,
  });
}
