import type { ChannelRegistry } from '../src/providers/registry';
import type { SendsInFlight } from '../src/providers/delivery-reports';
import type { Db } from '../src/db/client';
import type { Limits } from '../src/domain/limits';
import type { Metrics } from '../src/metrics';
import type { Channel } from '../src/domain/vocabulary';

/** What the activities are built from: the database and the companies' channels. */
export interface ActivityDeps {
  db: Db;
  channels: ChannelRegistry;
  /** Recipients per event and SMS per phone and per company; the defaults when unset. */
  limits?: Limits | undefined;
  /** The worker's metrics; a registry of their own when absent (a test building one factory). */
  metrics?: Metrics | undefined;
  /** `PUBLIC_URL`: where people reach the API and the console, for links in messages (`/console/events/<id>`). */
  publicUrl?: string | undefined;
  /** Messages taken by a provider whose `sent` entry is being written: the worker's receipts wait for them. */
  sendsInFlight?: SendsInFlight | undefined;
  /** Fault injection for the tests of the duplicate window; never set outside tests. */
  faults?: SendFaults | undefined;
}

/** Points in a send where a test may fail the activity, as a crash there would. */
export interface SendFaults {
  /** After the provider accepted the message and before the journal's `sent` entry is written. */
  afterProviderAccepted?: (info: { channel: Channel; attempt: number }) => void | Promise<void>;
}
