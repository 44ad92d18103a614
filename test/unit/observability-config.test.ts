import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CONFIG_VARIABLES, ConfigError, loadConfig } from '../../src/config';
import { CONFIGURATION_DOC, renderConfigurationDoc } from '../../src/cli/docs-config';
import { createMetrics, reasonLabel } from '../../src/metrics';

describe('docs/configuration.md', () => {
  it('is what `npm run docs:config` generates from CONFIG_VARIABLES', () => {
    expect(readFileSync(CONFIGURATION_DOC, 'utf8'), 'run `npm run docs:config` and commit the result').toBe(renderConfigurationDoc());
  });

  it('CONFIG_VARIABLES names exactly the variables loadConfig reads', () => {
    const source = readFileSync(path.resolve(__dirname, '../../src/config.ts'), 'utf8');
    const read = new Set([...source.matchAll(/(?:get|urlOf|limit)\('([A-Z0-9_]+)'/g)].map((m) => m[1]));
    expect(new Set(CONFIG_VARIABLES.map((v) => v.name))).toEqual(read);
  });
});

describe('metrics ports', () => {
  it('are unset by default', () => {
    expect(loadConfig({}).metrics).toEqual({ port: undefined, temporalPort: undefined });
  });

  it('are read as ports', () => {
    expect(loadConfig({ METRICS_PORT: '9464', TEMPORAL_METRICS_PORT: '9465' }).metrics).toEqual({ port: 9464, temporalPort: 9465 });
  });

  it('refuses a bad value, PORT again, or the same port twice, naming the variable', () => {
    expect(() => loadConfig({ METRICS_PORT: 'abc' })).toThrow(/METRICS_PORT must be a port number/);
    expect(() => loadConfig({ TEMPORAL_METRICS_PORT: '70000' })).toThrow(/TEMPORAL_METRICS_PORT must be a port number/);
    expect(() => loadConfig({ PORT: '8080', METRICS_PORT: '8080' })).toThrow(/METRICS_PORT must differ from PORT/);
    expect(() => loadConfig({ METRICS_PORT: '9464', TEMPORAL_METRICS_PORT: '9464' })).toThrow(ConfigError);
  });
});

describe('metrics', () => {
  it('keeps every composition on a registry of its own', async () => {
    const a = createMetrics({ processMetrics: false });
    const b = createMetrics({ processMetrics: false });
    a.deliveries.inc({ channel: 'email', provider: 'smtp', status: 'sent' });
    expect(await a.registry.metrics()).toContain('notify_deliveries_total{channel="email",provider="smtp",status="sent"} 1');
    expect(await b.registry.metrics()).not.toContain('status="sent"');
  });

  it('labels a fallback with the failure type, never with free text', () => {
    expect(reasonLabel('RejectedError')).toBe('RejectedError');
    expect(reasonLabel('550 no such user a@b.example')).toBe('other');
    expect(reasonLabel(undefined)).toBe('other');
  });
});
