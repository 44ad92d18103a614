import { Client } from 'pg';

/**
 * The channel the configuration triggers notify on (migration
 * `config_change_notify`, `api_keys_change_notify`): every committed insert,
 * update or delete of `companies`, `providers` or `api_keys` sends the table's name.
 */
export const CONFIG_CHANGES_CHANNEL = 'notify_config_changes';

/** How long the feed waits before it connects again after losing its connection. */
const RECONNECT_MS = 1000;

/**
 * Tells caches when the configuration in the database changed, from any
 * process: a dedicated connection LISTENs on {@link CONFIG_CHANGES_CHANNEL}.
 * While it is not connected (starting, or the database away) nothing is
 * served from memory, since a change could go unheard.
 */
export interface ChangeFeed {
  /**
   * A cache of values read from the configuration tables: `get(key, load)`
   * answers from memory only when nothing changed since the value was read
   * and the feed was listening the whole time; otherwise it loads, and keeps
   * what it loaded unless a change arrived while loading.
   */
  cache<V>(opts?: { maxEntries?: number }): { get(key: string, load: () => Promise<V>): Promise<V> };
  /**
   * Forgets every cached value at once, as a change heard would: for a change
   * this process has just committed and must not serve stale, since its
   * notification can arrive after the answer to the request that made it.
   */
  invalidate(): void;
  /** Whether the feed listens now (for tests and metrics). */
  readonly listening: boolean;
  close(): Promise<void>;
}

export function createChangeFeed(connectionString: string, opts: { log?: (message: string) => void } = {}): ChangeFeed {
  /** Bumped by every change heard and every time listening starts or stops: a cached value read under another version is stale. */
  let version = 0;
  let client: Client | undefined;
  let listening = false;
  let closed = false;
  let connecting: Promise<void> | undefined;
  let retry: NodeJS.Timeout | undefined;

  const lost = (which: Client, why: string) => {
    if (client !== which) return;
    client = undefined;
    listening = false;
    version++;
    void which.end().catch(() => undefined);
    if (closed) return;
    opts.log?.(`configuration change feed lost its connection (${why}); caches read the database until it is back`);
    retry ??= setTimeout(() => {
      retry = undefined;
      start();
    }, RECONNECT_MS);
    retry.unref();
  };

  const connect = async () => {
    const c = new Client({ connectionString });
    client = c;
    c.on('error', (err) => lost(c, err.message));
    c.on('end', () => lost(c, 'connection ended'));
    c.on('notification', (message) => {
      if (message.channel === CONFIG_CHANGES_CHANNEL) version++;
    });
    try {
      await c.connect();
      await c.query(`LISTEN ${CONFIG_CHANGES_CHANNEL}`);
      if (client !== c || closed) return;
      version++;
      listening = true;
    } catch (err) {
      lost(c, err instanceof Error ? err.message : String(err));
    }
  };

  const start = () => {
    if (closed || client || connecting) return;
    connecting = connect().finally(() => {
      connecting = undefined;
    });
  };

  return {
    get listening() {
      return listening;
    },

    invalidate() {
      version++;
    },

    cache<V>({ maxEntries = 1000 }: { maxEntries?: number } = {}) {
      const entries = new Map<string, { value: V; version: number }>();
      return {
        async get(key: string, load: () => Promise<V>): Promise<V> {
          start();
          const hit = entries.get(key);
          if (listening && hit?.version === version) return hit.value;
          const readAt = version;
          const value = await load();
          if (listening && version === readAt) {
            if (entries.size >= maxEntries && !entries.has(key)) entries.clear();
            entries.set(key, { value, version: readAt });
          }
          return value;
        },
      };
    },

    async close() {
      closed = true;
      if (retry) clearTimeout(retry);
      await connecting;
      const c = client;
      client = undefined;
      listening = false;
      await c?.end().catch(() => undefined);
    },
  };
}
