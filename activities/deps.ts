import type { ChannelRegistry } from '../src/providers/registry';
import type { Db } from '../src/db/client';

/** What the activities are built from: the database and the companies' channels. */
export interface ActivityDeps {
  db: Db;
  channels: ChannelRegistry;
}
