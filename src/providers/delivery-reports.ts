import type { JournalRepository } from '../db/repositories/journal';
import type { JournalEntry } from '../db/schema';
import type { DeliveryReport } from '../domain/vocabulary';

/**
 * Messages a provider has taken whose `sent` entry this process is still
 * writing. A fast SMSC's receipt can overtake that entry (it answers the
 * submit, then sends the receipt, while the activity journals); the delivery
 * report handler waits here for the entry instead of missing it and trying
 * again after a fixed delay. Only within one process: a receipt that reaches
 * another (an HTTP callback to the API) keeps the handler's delays.
 */
export interface SendsInFlight {
  /** The provider took the message with this id; call the returned function once its `sent` entry is written or will not be. */
  taken(provider: string, providerMessageId: string): () => void;
  /**
   * Resolves true once the message with this id is settled, when it was in
   * flight (at most after `maxMs`), and false at once when it was not.
   */
  settled(provider: string, providerMessageId: string, maxMs: number): Promise<boolean>;
}

export function createSendsInFlight(): SendsInFlight {
  const inFlight = new Map<string, Promise<void>>();
  const keyOf = (provider: string, providerMessageId: string) => `${provider}\u0000${providerMessageId}`;
  return {
    taken(provider, providerMessageId) {
      const key = keyOf(provider, providerMessageId);
      let settle!: () => void;
      const done = new Promise<void>((resolve) => (settle = resolve));
      inFlight.set(key, done);
      return () => {
        if (inFlight.get(key) === done) inFlight.delete(key);
        settle();
      };
    },
    async settled(provider, providerMessageId, maxMs) {
      const done = inFlight.get(keyOf(provider, providerMessageId));
      if (!done) return false;
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([done, new Promise<void>((resolve) => (timer = setTimeout(resolve, maxMs)))]);
      clearTimeout(timer);
      return true;
    },
  };
}

/** How long a receipt waits for the `sent` entry of a message this process has in flight. */
const IN_FLIGHT_WAIT_MS = 5_000;

/**
 * The callback channel adapters report deliveries to. A receipt can overtake
 * the `sent` entry it belongs to (a fast SMSC answers before the activity has
 * journaled): one whose message this process is still journaling waits for
 * that (`inFlight`), and an unmatched one is tried again after each of `delaysMs`.
 */
export function createDeliveryReportHandler(
  journal: JournalRepository,
  {
    onError = () => undefined,
    delaysMs = [500, 2_000, 10_000],
    onRecorded = () => undefined,
    inFlight,
  }: {
    onError?: (err: unknown, report: DeliveryReport) => void;
    delaysMs?: readonly number[];
    /** Called once per journal entry a report created (a repeated report creates none). */
    onRecorded?: (entry: JournalEntry) => void;
    /** The messages this process's sends have taken and not yet journaled. */
    inFlight?: SendsInFlight | undefined;
  } = {},
): (report: DeliveryReport) => void {
  /** Resolves true when the report's message was in flight here, once its `sent` entry is written. */
  const journaled = (report: DeliveryReport) => inFlight?.settled(report.provider, report.providerMessageId, IN_FLIGHT_WAIT_MS) ?? Promise.resolve(false);
  const attempt = async (report: DeliveryReport, left: readonly number[]): Promise<void> => {
    const recorded = await journal.recordDeliveryReport(report);
    if (recorded?.created) onRecorded(recorded.entry);
    if (recorded || left.length === 0) return;
    // Taken since the first look: its entry is awaited instead of the delay.
    if (!(await journaled(report))) await new Promise((resolve) => setTimeout(resolve, left[0]));
    await attempt(report, left.slice(1));
  };
  return (report) => {
    (async () => {
      // The send that took the message learns its id in the same turn as the receipt can come (one read from the socket).
      if (inFlight) await new Promise((resolve) => setImmediate(resolve));
      await journaled(report);
      await attempt(report, delaysMs);
    })().catch((err: unknown) => onError(err, report));
  };
}
