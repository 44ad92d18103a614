import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildEvent } from '../helpers/factories';
import { createHarness, type Harness } from '../helpers/harness';

/** Liquid that runs into the 1 s render limit: a billion empty iterations. */
const PATHOLOGICAL = '{% for a in (1..1000) %}{% for b in (1..1000) %}{% for c in (1..1000) %}{% endfor %}{% endfor %}{% endfor %}';

/**
 * Finding 5: eight previews that each run into the render limit used to hold
 * the API's event loop for seconds. They render in the template pool now:
 * the health check and event intake answer while they run.
 */
describe('template rendering off the event loop', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await createHarness({ worker: false, limits: { previewsPerMinute: 20, previewsPerMinutePerUser: 40 } });
  });
  afterAll(async () => {
    await h?.close();
  });

  it('answers /healthz and POST /v1/events before eight pathological previews finish, and the previews answer 422', async () => {
    const key = await h.keyWithRoles(['templates:read']);
    const order: string[] = [];
    const previews = Array.from({ length: 8 }, (_, i) =>
      h.request({ method: 'POST', url: '/v1/templates/preview', key, payload: { channel: 'sms', template: PATHOLOGICAL } }).then((res) => {
        order.push(`preview-${i}`);
        return res;
      }),
    );
    // Let the previews reach the pool first, as they would in production.
    await new Promise((resolve) => setImmediate(resolve));
    const health = h.request({ method: 'GET', url: '/healthz', key: null }).then((res) => {
      order.push('healthz');
      return res;
    });
    const event = h.request({ method: 'POST', url: '/v1/events', payload: buildEvent() }).then((res) => {
      order.push('event');
      return res;
    });

    const [healthRes, eventRes, ...previewRes] = await Promise.all([health, event, ...previews]);
    expect(healthRes.statusCode).toBe(200);
    expect(eventRes.statusCode, eventRes.body).toBe(202);
    const firstPreview = order.findIndex((name) => name.startsWith('preview-'));
    expect(order.indexOf('healthz'), order.join(' ')).toBeLessThan(firstPreview);
    expect(order.indexOf('event'), order.join(' ')).toBeLessThan(firstPreview);
    for (const res of previewRes) {
      expect(res.statusCode, res.body).toBe(422);
      expect(res.json()).toMatchObject({ error: { code: 'TEMPLATE_ERROR' } });
      expect(res.json().error.message).toMatch(/render limit/);
    }
  }, 120_000);

  it('still renders a good preview, with the SMS counter', async () => {
    const res = await h.request({ method: 'POST', url: '/v1/templates/preview', payload: { channel: 'sms', template: 'Заказ {{ client.name }} готов' } });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ channel: 'sms', text: 'Заказ ООО «Ромашка» готов', sms: { encoding: 'UCS-2', segments: 1 } });
  });

  it('limits previews per API key per minute with 429 and Retry-After; another key goes on', async () => {
    const key = await h.keyWithRoles(['templates:read']);
    const answers = [];
    // 20 a minute. A minute boundary in the middle of the loop can reset the window once: 41 posts put at least 21 in one window.
    for (let i = 0; i < 41; i += 1) {
      answers.push(await h.request({ method: 'POST', url: '/v1/templates/preview', key, payload: { channel: 'telegram', template: 'Привет' } }));
    }
    const limited = answers.filter((res) => res.statusCode === 429);
    expect(limited.length).toBeGreaterThanOrEqual(1);
    expect(Number(limited[0]!.headers['retry-after'])).toBeGreaterThan(0);
    expect(limited[0]!.json()).toMatchObject({ error: { code: 'RATE_LIMITED' } });
    const other = await h.request({ method: 'POST', url: '/v1/templates/preview', payload: { channel: 'telegram', template: 'Привет' } });
    expect(other.statusCode).toBe(200);
  });

  it('gives a signed-in person typing in the editor a higher limit of their own than a key (PREVIEWS_PER_MINUTE_PER_USER)', async () => {
    const person = await h.userWithRoles(['templates:read']);
    const key = await h.keyWithRoles(['templates:read']);
    const preview = (who: { session: typeof person } | { key: string }) =>
      h.request({ method: 'POST', url: '/v1/templates/preview', ...who, payload: { channel: 'sms', template: 'Заказ {{ client.name }} готов' } });
    // A minute boundary in the middle can reset a window once: twice a limit and one more put a refusal in one window.
    const byKey = [];
    for (let i = 0; i < 41; i += 1) byKey.push((await preview({ key })).statusCode);
    const byPerson = [];
    for (let i = 0; i < 81; i += 1) byPerson.push((await preview({ session: person })).statusCode);
    // The key is refused past 20; the person goes on past that, to 40.
    expect(byKey.filter((s) => s === 429).length).toBeGreaterThanOrEqual(1);
    expect(byPerson.slice(0, 25)).toEqual(Array.from({ length: 25 }, () => 200));
    const refused = await preview({ session: person });
    const statuses = [...byPerson, refused.statusCode];
    expect(statuses.filter((s) => s === 429).length, statuses.join(' ')).toBeGreaterThanOrEqual(1);
    expect(statuses.filter((s) => s === 200).length).toBeLessThanOrEqual(80);
  });
});
