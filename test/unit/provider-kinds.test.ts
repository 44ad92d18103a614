import { describe, expect, it } from 'vitest';
import { checkProviderFields, PROVIDER_FIELDS } from '../../src/providers/kinds';

describe('provider kind schemas', () => {
  it('name the settings and secrets each kind takes', () => {
    expect(PROVIDER_FIELDS).toEqual({
      smtp: { required: ['host', 'port'], optional: ['secure', 'user', 'requireTLS', 'tlsRejectUnauthorized'], secrets: ['password'] },
      smpp: { required: ['host', 'port', 'systemId', 'sourceAddr'], optional: ['balanceUrl', 'balanceCurrency'], secrets: ['password'] },
      sms_ru: { required: [], optional: ['baseUrl', 'from'], secrets: ['apiId'] },
      telegram: { required: [], optional: ['apiRoot'], secrets: ['botToken'] },
    });
  });

  it('accepts a complete provider', () => {
    expect(checkProviderFields({ kind: 'smtp', config: { host: 'mail', port: 25, user: 'u' }, secrets: { password: 'p' } })).toEqual([]);
  });

  it('reports a missing setting, a secret among the settings, an unknown setting and an unknown secret, in that order', () => {
    expect(
      checkProviderFields({ kind: 'smpp', config: { host: 'smsc', port: 2775, systemId: 'id', password: 'x', colour: 'red' }, secrets: { token: 't' } }),
    ).toEqual([
      { field: 'config/sourceAddr', message: 'is required for smpp' },
      { field: 'config/password', message: 'is not a smpp setting (it is a secret: put it in secrets)' },
      { field: 'config/colour', message: 'is not a smpp setting' },
      { field: 'secrets/token', message: 'is not a smpp secret' },
    ]);
  });
});
