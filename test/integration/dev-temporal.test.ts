import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { afterAll, describe, expect, it } from 'vitest';
import { startDevTemporal, type DevTemporalServer } from '../../src/dev/temporal';
import { SEARCH_ATTRIBUTES } from '../../workflows/contract';

/** The dev server `npm start` and the tests run: search attributes registered, SQLite in WAL mode. */
describe('the embedded Temporal dev server', () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'notify-dev-temporal-'));
  let server: DevTemporalServer | undefined;

  afterAll(async () => {
    await server?.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  const customAttributes = async (address: string): Promise<Record<string, string>> => {
    const connection = await Connection.connect({ address });
    try {
      const res = await connection.operatorService.listSearchAttributes({ namespace: 'default' });
      return Object.fromEntries(
        Object.entries(res.customAttributes ?? {}).map(([name, type]) => [name, temporal.api.enums.v1.IndexedValueType[type] ?? String(type)]),
      );
    } finally {
      await connection.close();
    }
  };

  it('registers the search attributes of the event runs, also when it starts again on its old file, and writes its SQLite file through a WAL', async () => {
    const expected = Object.fromEntries(Object.values(SEARCH_ATTRIBUTES).map((key) => [key.name, 'INDEXED_VALUE_TYPE_KEYWORD']));

    server = await startDevTemporal({ dataDir });
    expect(await customAttributes(server.address)).toMatchObject(expected);
    // The server has written its namespaces and attributes by now; in WAL mode they sit in the -wal file until a checkpoint.
    expect(fs.existsSync(path.join(dataDir, 'temporal.sqlite-wal'))).toBe(true);

    await server.stop();
    server = await startDevTemporal({ dataDir });
    expect(await customAttributes(server.address)).toMatchObject(expected);
  });
});
