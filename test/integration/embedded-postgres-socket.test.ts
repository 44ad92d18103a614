import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { startEmbeddedPostgres, type EmbeddedPostgresServer } from '../../src/dev/postgres';
import { describeDatabaseUrl, isDatabaseUnavailable } from '../../src/db/wait';

const query = async (connectionString: string, sql: string): Promise<unknown[]> => {
  const client = new pg.Client({ connectionString });
  await client.connect();
  try {
    return (await client.query(sql)).rows;
  } finally {
    await client.end();
  }
};

describe('embedded PostgreSQL: clients reach it through its Unix socket', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pg-socket-'));
  let server: EmbeddedPostgresServer | undefined;
  afterAll(async () => {
    await server?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('hands out a URL that connects over the socket, TCP still open for tools; a stopped server is an outage, not a failure', async () => {
    server = await startEmbeddedPostgres({ dataDir: dir });
    const socketDir = new URL(server.url).searchParams.get('host');
    expect(socketDir).toBe(path.join(dir, 'postgres'));
    expect(fs.statSync(path.join(socketDir!, `.s.PGSQL.${server.port}`)).isSocket()).toBe(true);
    // A Unix-socket session has no client address; a TCP one has 127.0.0.1.
    expect(await query(server.url, 'select inet_client_addr() as addr')).toEqual([{ addr: null }]);
    const tcp = `postgres://postgres:postgres@127.0.0.1:${server.port}/notifications`;
    expect(await query(tcp, 'select inet_client_addr() as addr')).toEqual([{ addr: '127.0.0.1' }]);
    // What the "waiting for PostgreSQL at …" lines name: the socket, no password.
    expect(describeDatabaseUrl(server.url)).toBe(`${socketDir}/.s.PGSQL.${server.port}/notifications`);
    const other = await server.createDatabase('socket_check');
    expect(new URL(other).searchParams.get('host')).toBe(socketDir);
    expect(await query(other, 'select current_database() as db')).toEqual([{ db: 'socket_check' }]);

    await server.stop();
    const error = await query(server.url, 'select 1').then(() => undefined, (err: unknown) => err);
    expect(error).toMatchObject({ code: 'ENOENT', syscall: 'connect' });
    expect(isDatabaseUnavailable(error)).toBe(true);
    expect(isDatabaseUnavailable(Object.assign(new Error('no such file'), { code: 'ENOENT', syscall: 'open' }))).toBe(false);
  }, 120_000);

  it('keeps to TCP when the socket path would be too long for the kernel', async () => {
    const deep = path.join(dir, 'a'.repeat(60), 'b'.repeat(30));
    const longServer = await startEmbeddedPostgres({ dataDir: deep });
    try {
      expect(new URL(longServer.url).searchParams.get('host')).toBeNull();
      expect(await query(longServer.url, 'select inet_client_addr() as addr')).toEqual([{ addr: '127.0.0.1' }]);
    } finally {
      await longServer.stop();
    }
  }, 120_000);
});
