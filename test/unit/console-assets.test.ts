import { describe, expect, it } from 'vitest';
import { isAssetPath } from '../../src/api/plugins/console';

describe('the console: a missing file of the build is a 404, a client route is the app', () => {
  it('takes ids with dots in client routes for routes, not for files', () => {
    expect(isAssetPath('/console/event-types/order.ready_for_pickup')).toBe(false);
    expect(isAssetPath('/console/events/evt-2026.11.30')).toBe(false);
    expect(isAssetPath('/console/journal')).toBe(false);
  });

  it('takes the build’s own kinds of file for files', () => {
    expect(isAssetPath('/console/assets/index-abc123.js')).toBe(true);
    expect(isAssetPath('/console/assets/anything')).toBe(true);
    expect(isAssetPath('/console/favicon.ico')).toBe(true);
    expect(isAssetPath('/console/index-old.CSS')).toBe(true);
  });
});
