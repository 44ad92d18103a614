import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CONSOLE_API_TYPES, renderConsoleApiTypes } from '../../src/cli/console-api-types';

describe("the console's API types", () => {
  it('are generated from the current OpenAPI document (run `npm run console:api-types` when this fails)', async () => {
    const committed = readFileSync(CONSOLE_API_TYPES, 'utf8');
    const current = await renderConsoleApiTypes();
    // A route or schema changed without regenerating: the console would compile against a stale API.
    expect(committed === current, 'console/src/api/schema.d.ts is stale: run `npm run console:api-types`').toBe(true);
  });

  it('include every /v1 path the app serves', async () => {
    const text = await renderConsoleApiTypes();
    for (const path of ['/v1/messages', '/v1/events/{id}', '/v1/events/{id}/decision', '/v1/templates/preview', '/v1/settings', '/v1/schedules/{name}/trigger']) {
      expect(text).toContain(`"${path}": {`);
    }
  });
});
