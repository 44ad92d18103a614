import { describe, expect, it } from 'vitest';
import { whileDatabaseAway } from '../../activities/send';
import { isDatabaseUnavailable } from '../../src/db/wait';

const refused = () => Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
/** drizzle wraps pg's error; PostgreSQL shutting down answers 57P01. */
const shuttingDown = () => new Error('Failed query: select 1', { cause: Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' }) });

describe('the send activity waits out a PostgreSQL outage before the provider call (chaos suite: Telegram lost to a 20 s database stop)', () => {
  it('retries while the database is unreachable and returns once it answers', async () => {
    let calls = 0;
    const value = await whileDatabaseAway(async () => {
      calls += 1;
      if (calls === 1) throw refused();
      if (calls === 2) throw shuttingDown();
      return 'written';
    }, Date.now() + 10_000);
    expect(value).toBe('written');
    expect(calls).toBe(3);
  });

  it('throws any other error at once: a refused query is no outage', async () => {
    let calls = 0;
    const unique = Object.assign(new Error('duplicate key value violates unique constraint'), { code: '23505' });
    await expect(
      whileDatabaseAway(async () => {
        calls += 1;
        throw unique;
      }, Date.now() + 10_000),
    ).rejects.toBe(unique);
    expect(calls).toBe(1);
    expect(isDatabaseUnavailable(unique)).toBe(false);
  });

  it('gives up at its deadline with the database error', async () => {
    const started = Date.now();
    await expect(whileDatabaseAway(async () => Promise.reject(refused()), Date.now() + 600)).rejects.toThrow(/ECONNREFUSED/);
    expect(Date.now() - started).toBeLessThan(5000);
  });
});
