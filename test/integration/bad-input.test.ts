import { eq } from 'drizzle-orm';
import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { events } from '../../src/db/schema';
import { buildEvent } from '../helpers/factories';
import { createHarness, type Harness } from '../helpers/harness';

interface Detail {
  path: string;
  message: string;
}

/** Asserts the contract's error body exactly: `{ error: { code, message, details: [{ path, message }] } }`. */
function expectErrorBody(res: LightMyRequestResponse, status: number, code: string): Detail[] {
  expect(res.statusCode, res.body).toBe(status);
  expect(res.headers['content-type']).toMatch(/^application\/json/);
  const body = res.json();
  expect(Object.keys(body)).toEqual(['error']);
  expect(Object.keys(body.error).sort()).toEqual(['code', 'details', 'message']);
  expect(body.error.code).toBe(code);
  expect(typeof body.error.message).toBe('string');
  expect(body.error.message.length).toBeGreaterThan(0);
  expect(Array.isArray(body.error.details)).toBe(true);
  for (const detail of body.error.details as unknown[]) {
    expect(detail).toEqual({ path: expect.any(String), message: expect.any(String) });
  }
  return body.error.details as Detail[];
}

const valid = buildEvent();

/** An event's JSON as bytes, with `bytes` where `@@` is in its text: for bodies no JavaScript string can produce. */
const withBytes = (event: object, bytes: number[]): Buffer => {
  const [before, after] = JSON.stringify(event).split('@@');
  return Buffer.concat([Buffer.from(before!), Buffer.from(bytes), Buffer.from(after!)]);
};
/** An event's JSON text with `escape` (e.g. a lone `\ud800`) where `@@` is. */
const withEscape = (event: object, escape: string): string => JSON.stringify(event).replace('@@', escape);
const json = { 'content-type': 'application/json' };
const without = (field: keyof typeof valid) => {
  const { [field]: _dropped, ...rest } = buildEvent();
  return rest;
};

interface Case {
  name: string;
  /** A payload object (sent as JSON) or the raw request. */
  payload?: unknown;
  raw?: Pick<InjectOptions, 'payload' | 'headers'>;
  status: number;
  code: string;
  /** Each must appear among the details with its message (when given). */
  details?: Detail[] | { path: string }[];
}

const eventCases: Case[] = [
  { name: 'a missing id', payload: without('id'), status: 400, code: 'VALIDATION_ERROR', details: [{ path: '/body/id', message: 'is required' }] },
  { name: 'a missing type', payload: without('type'), status: 400, code: 'VALIDATION_ERROR', details: [{ path: '/body/type', message: 'is required' }] },
  {
    name: 'a missing counterpartyId',
    payload: without('counterpartyId'),
    status: 400,
    code: 'VALIDATION_ERROR',
    details: [{ path: '/body/counterpartyId', message: 'is required' }],
  },
  { name: 'missing data', payload: without('data'), status: 400, code: 'VALIDATION_ERROR', details: [{ path: '/body/data', message: 'is required' }] },
  {
    name: 'an unknown extra field',
    payload: { ...buildEvent(), foo: 1 },
    status: 400,
    code: 'VALIDATION_ERROR',
    details: [{ path: '/body/foo', message: 'is not a known field' }],
  },
  { name: 'a numeric id', payload: buildEvent({ id: 123 as unknown as string }), status: 400, code: 'VALIDATION_ERROR', details: [{ path: '/body/id' }] },
  { name: 'data as a string', payload: { ...buildEvent(), data: 'x' }, status: 400, code: 'VALIDATION_ERROR', details: [{ path: '/body/data' }] },
  { name: 'data as an array', payload: { ...buildEvent(), data: [] }, status: 400, code: 'VALIDATION_ERROR', details: [{ path: '/body/data' }] },
  {
    name: 'a null counterpartyId',
    payload: { ...buildEvent(), counterpartyId: null },
    status: 400,
    code: 'VALIDATION_ERROR',
    details: [{ path: '/body/counterpartyId' }],
  },
  { name: 'an empty id', payload: buildEvent({ id: '' }), status: 400, code: 'VALIDATION_ERROR', details: [{ path: '/body/id' }] },
  { name: 'an id of 201 characters', payload: buildEvent({ id: 'x'.repeat(201) }), status: 400, code: 'VALIDATION_ERROR', details: [{ path: '/body/id' }] },
  {
    name: 'occurredAt that is not a date-time',
    payload: buildEvent({ occurredAt: 'yesterday' }),
    status: 400,
    code: 'VALIDATION_ERROR',
    details: [{ path: '/body/occurredAt' }],
  },
  {
    name: 'a 1 MB body',
    // 512 Ki Cyrillic letters: 1 MiB of UTF-8.
    payload: buildEvent({ data: { blob: 'я'.repeat(512 * 1024) } }),
    status: 413,
    code: 'PAYLOAD_TOO_LARGE',
  },
  {
    name: 'a text/plain body',
    raw: { payload: 'hello', headers: { 'content-type': 'text/plain' } },
    status: 415,
    code: 'UNSUPPORTED_MEDIA_TYPE',
  },
  {
    name: 'a body of an unsupported media type',
    raw: { payload: '<event/>', headers: { 'content-type': 'application/xml' } },
    status: 415,
    code: 'UNSUPPORTED_MEDIA_TYPE',
  },
  {
    name: 'malformed JSON',
    raw: { payload: '{"id": "a", ', headers: { 'content-type': 'application/json' } },
    status: 400,
    code: 'INVALID_JSON',
  },
  {
    // An empty body is no body: this route needs one, so the answer names /body.
    name: 'an empty body with a JSON content type',
    raw: { payload: '', headers: { 'content-type': 'application/json' } },
    status: 400,
    code: 'VALIDATION_ERROR',
    details: [{ path: '/body' }],
  },
  {
    // Ajv's date-time format accepts a leap second; JavaScript's Date cannot represent it.
    name: 'occurredAt on a leap second',
    payload: buildEvent({ occurredAt: '2026-12-31T23:59:60Z' }),
    status: 400,
    code: 'VALIDATION_ERROR',
    details: [{ path: '/body/occurredAt' }],
  },
  {
    // PostgreSQL text and jsonb cannot hold U+0000.
    name: 'a NUL character in data',
    payload: buildEvent({ data: { orderNumber: 'ЗК-1\u0000' } }),
    status: 400,
    code: 'VALIDATION_ERROR',
    details: [{ path: '/body/data/orderNumber' }],
  },
  {
    name: 'a NUL character in the id',
    payload: buildEvent({ id: 'evt-\u0000' }),
    status: 400,
    code: 'VALIDATION_ERROR',
    details: [{ path: '/body/id' }],
  },
  {
    name: 'a __proto__ key',
    raw: {
      payload: JSON.stringify(buildEvent()).replace('"data":{', '"data":{"__proto__":{"admin":true},'),
      headers: { 'content-type': 'application/json' },
    },
    status: 400,
    code: 'INVALID_JSON',
  },
  {
    // Two ids that differ only in invalid bytes must not both become "evt-\uFFFD" and collide.
    name: 'invalid UTF-8 in the id',
    raw: { payload: withBytes(buildEvent({ id: 'evt-@@' }), [0xff]), headers: json },
    status: 400,
    code: 'VALIDATION_ERROR',
    details: [{ path: '/body/id' }],
  },
  {
    name: 'an overlong UTF-8 encoding in data',
    raw: { payload: withBytes(buildEvent({ data: { orderNumber: 'ЗК-@@' } }), [0xc0, 0xaf]), headers: json },
    status: 400,
    code: 'VALIDATION_ERROR',
    details: [{ path: '/body/data/orderNumber' }],
  },
  {
    name: 'a UTF-8 encoded surrogate in data',
    raw: { payload: withBytes(buildEvent({ data: { orderNumber: '@@' } }), [0xed, 0xa0, 0x80]), headers: json },
    status: 400,
    code: 'VALIDATION_ERROR',
    details: [{ path: '/body/data/orderNumber' }],
  },
  {
    name: 'an unpaired surrogate escape in a data value',
    raw: { payload: withEscape(buildEvent({ data: { orderNumber: 'ЗК-@@' } }), '\\ud800'), headers: json },
    status: 400,
    code: 'VALIDATION_ERROR',
    details: [{ path: '/body/data/orderNumber' }],
  },
  {
    name: 'an unpaired surrogate escape in a data key',
    raw: { payload: withEscape(buildEvent({ data: { '@@': 1 } }), '\\udc00'), headers: json },
    status: 400,
    code: 'VALIDATION_ERROR',
    details: [{ path: '/body/data/\\udc00' }],
  },
  {
    name: 'an unpaired surrogate escape in the id',
    raw: { payload: withEscape(buildEvent({ id: 'evt-@@' }), '\\udbff'), headers: json },
    status: 400,
    code: 'VALIDATION_ERROR',
    details: [{ path: '/body/id' }],
  },
  {
    // 19 KB that overflowed the stack of every recursive walk after parsing.
    name: 'JSON nested 10,000 deep',
    raw: { payload: withEscape(buildEvent({ data: { deep: '@@' } }), `${'['.repeat(10_000)}${']'.repeat(10_000)}`).replace('"[', '[').replace(']"', ']'), headers: json },
    status: 400,
    code: 'INVALID_JSON',
  },
  {
    name: 'an unknown event type',
    payload: buildEvent({ type: 'no.such.type' }),
    status: 422,
    code: 'UNKNOWN_EVENT_TYPE',
    details: [{ path: '/body/type' }],
  },
  {
    name: 'an unknown counterparty',
    payload: buildEvent({ counterpartyId: 'no-such-client' }),
    status: 422,
    code: 'UNKNOWN_COUNTERPARTY',
    details: [{ path: '/body/counterpartyId' }],
  },
];

describe('bad input is refused with the error contract and starts nothing', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness({ worker: false, mode: 'live' });
  });
  afterAll(async () => {
    await h?.close();
  });

  const post = (c: Pick<Case, 'payload' | 'raw'>, key?: string | null) =>
    h.request({
      method: 'POST',
      url: '/v1/events',
      ...(c.raw ?? { payload: c.payload as InjectOptions['payload'] }),
      ...(key === undefined ? {} : { key }),
    });

  describe('POST /v1/events', () => {
    it.each(eventCases)('answers $status $code for $name', async (c) => {
      const res = await post(c);
      const details = expectErrorBody(res, c.status, c.code);
      for (const expected of c.details ?? []) {
        expect(details).toContainEqual('message' in expected ? expected : expect.objectContaining(expected));
      }
      if (c.status === 400 && c.code === 'VALIDATION_ERROR') {
        // Every validation detail names a field of the body (or the body itself when there is none), never something vague.
        for (const d of details) expect(d.path).toMatch(c.raw?.payload === '' ? /^\/body$/ : /^\/body\/\w+/);
      }
    });

    it('lists every bad field at once when a body has several', async () => {
      const res = await post({ payload: { id: '', type: 5, data: 'x', occurredAt: 'yesterday', foo: true } });
      const details = expectErrorBody(res, 400, 'VALIDATION_ERROR');
      const paths = new Set(details.map((d) => d.path));
      expect([...paths].sort()).toEqual(['/body/counterpartyId', '/body/data', '/body/foo', '/body/id', '/body/occurredAt', '/body/type']);
      expect(details).toContainEqual({ path: '/body/counterpartyId', message: 'is required' });
      expect(details).toContainEqual({ path: '/body/foo', message: 'is not a known field' });
      // The message repeats every problem, for a human reading logs.
      for (const path of paths) expect(res.json().error.message).toContain(path);
    });
  });

  describe('authentication and roles', () => {
    it.each([
      { name: 'no Authorization header', header: null },
      { name: 'Basic credentials', header: `Basic ${Buffer.from('admin:secret').toString('base64')}` },
      { name: 'an unknown key', header: 'Bearer nk_this-key-does-not-exist-0123456789' },
      { name: 'a Bearer scheme with no key', header: 'Bearer ' },
    ])('answers 401 UNAUTHORIZED for $name', async ({ header }) => {
      const res = await h.request({
        method: 'POST',
        url: '/v1/events',
        payload: buildEvent(),
        key: null,
        ...(header === null ? {} : { headers: { authorization: header } }),
      });
      expectErrorBody(res, 401, 'UNAUTHORIZED');
    });

    it('answers 401 before looking at the body, so an unauthenticated caller learns nothing about validation', async () => {
      const res = await post({ payload: { foo: 1 } }, null);
      expectErrorBody(res, 401, 'UNAUTHORIZED');
    });

    it('answers 403 FORBIDDEN for a known key without events:write', async () => {
      const reader = await h.keyWithRoles(['journal:read']);
      const res = await post({ payload: buildEvent() }, reader);
      expectErrorBody(res, 403, 'FORBIDDEN');
      expect(res.json().error.message).toContain('events:write');
    });
  });

  describe('PUT /v1/settings', () => {
    it('answers 400 naming /body/mode for an unknown mode', async () => {
      const res = await h.request({ method: 'PUT', url: '/v1/settings', payload: { mode: 'loud' } });
      const details = expectErrorBody(res, 400, 'VALIDATION_ERROR');
      expect(details.length).toBeGreaterThan(0);
      for (const d of details) expect(d.path).toBe('/body/mode');
    });

    it('answers 400 naming each bad field, nested ones included', async () => {
      const res = await h.request({
        method: 'PUT',
        url: '/v1/settings',
        payload: { name: '', email: { from: 'not-an-address', extra: 1 }, colour: 'red' },
      });
      const details = expectErrorBody(res, 400, 'VALIDATION_ERROR');
      expect(new Set(details.map((d) => d.path))).toEqual(
        new Set(['/body/name', '/body/email/from', '/body/email/extra', '/body/colour']),
      );
    });

    it('answers 403 for a key without settings:admin and leaves the mode unchanged', async () => {
      const writer = await h.keyWithRoles(['events:write', 'journal:read']);
      const res = await h.request({ method: 'PUT', url: '/v1/settings', payload: { mode: 'off' }, key: writer });
      expectErrorBody(res, 403, 'FORBIDDEN');
      expect(res.json().error.message).toContain('settings:admin');
      const settings = await h.request({ method: 'GET', url: '/v1/settings' });
      expect(settings.json().mode).toBe('live');
    });
  });

  describe('not found', () => {
    it('answers 404 with the error body for an event that does not exist', async () => {
      const res = await h.request({ method: 'GET', url: '/v1/events/nope' });
      expectErrorBody(res, 404, 'NOT_FOUND');
    });

    it('answers 404 (or 400), never 500, for an event id holding a NUL character', async () => {
      const res = await h.request({ method: 'GET', url: '/v1/events/evt-%00' });
      expect(res.statusCode, res.body).toBeGreaterThanOrEqual(400);
      expect(res.statusCode, res.body).toBeLessThan(500);
      expectErrorBody(res, res.statusCode, res.statusCode === 404 ? 'NOT_FOUND' : 'VALIDATION_ERROR');
    });

    it.each([
      { method: 'GET' as const, url: '/nope' },
      { method: 'GET' as const, url: '/v1/nope' },
      { method: 'POST' as const, url: '/v1/no-such-endpoint' },
    ])('answers 404 NOT_FOUND with the error body for $method $url', async ({ method, url }) => {
      const res = await h.request({ method, url, ...(method === 'POST' ? { payload: {} } : {}) });
      expectErrorBody(res, 404, 'NOT_FOUND');
    });

    it.each([
      { method: 'DELETE' as const, url: '/v1/events', allow: 'POST' },
      { method: 'PATCH' as const, url: '/v1/events/evt-1', allow: 'GET, HEAD' },
    ])('answers 405 METHOD_NOT_ALLOWED with Allow for $method $url, a path that exists', async ({ method, url, allow }) => {
      const res = await h.request({ method, url });
      expectErrorBody(res, 405, 'METHOD_NOT_ALLOWED');
      expect(res.headers.allow).toBe(allow);
    });

    it('refuses a query parameter without a name with 400', async () => {
      const res = await h.request({ method: 'GET', url: '/v1/journal?channel=sms&=' });
      expectErrorBody(res, 400, 'VALIDATION_ERROR');
    });
  });

  describe('numbers, addresses and header values', () => {
    // Above the 64-bit range of the database's ids, and above what a JavaScript number holds exactly.
    const huge = '9223372036854775808';
    it.each([
      { name: 'a journal cursor', method: 'GET' as const, url: `/v1/journal?cursor=${huge}`, path: '/querystring/cursor' },
      { name: 'a journal entry id to change', method: 'PATCH' as const, url: `/v1/journal/${huge}`, payload: { status: 'resolved' }, path: '/params/entryId' },
      { name: 'a journal entry id to send', method: 'POST' as const, url: '/v1/journal/99999999999999999999/send', path: '/params/entryId' },
      { name: 'an API key id', method: 'DELETE' as const, url: `/v1/api-keys/${huge}`, path: '/params/id' },
      {
        name: 'a contact id',
        method: 'PUT' as const,
        url: '/v1/counterparties/demo-client',
        payload: { contacts: [{ id: 9223372036854775808, name: 'Иван' }] },
        path: '/body/contacts/0/id',
      },
    ])('answers 400 naming $path for $name beyond the 64-bit range', async ({ method, url, payload, path }) => {
      const res = await h.request({ method, url, ...(payload ? { payload } : {}) });
      const details = expectErrorBody(res, 400, 'VALIDATION_ERROR');
      expect(details.map((d) => d.path)).toContain(path);
    });

    it.each([
      { channel: 'email', to: 'a@x.ru, b@y.ru' },
      { channel: 'email', to: 'a@x.ru;b@y.ru' },
      { channel: 'email', to: 'not an address' },
      { channel: 'sms', to: '+79161234567,+79161234568' },
      { channel: 'sms', to: '89161234567' },
      { channel: 'telegram', to: '123, 456' },
      { channel: 'telegram', to: '@somebody' },
    ])('answers 400 naming /body/to for a $channel test message to "$to"', async ({ channel, to }) => {
      const res = await h.request({ method: 'POST', url: '/v1/messaging/test', payload: { channel, to } });
      const details = expectErrorBody(res, 400, 'VALIDATION_ERROR');
      expect(details.map((d) => d.path)).toEqual(['/body/to']);
      expect(details[0]!.message).toMatch(channel === 'email' ? /e-mail/ : channel === 'sms' ? /E\.164/ : /chat id/);
    });

    const badContentType = 'text/plain\r\nBcc: spy@evil.example';
    it('answers 400 for CR/LF in the content type of an event type\'s attachment', async () => {
      const res = await h.request({
        method: 'PUT',
        url: '/v1/event-types/order.ready_for_pickup',
        payload: { templates: { client: { email: { attachments: [{ filename: 'a.txt', content: 'x', contentType: badContentType }] } } } },
      });
      const details = expectErrorBody(res, 400, 'VALIDATION_ERROR');
      expect(details).toContainEqual({ path: '/body/templates/client/email/attachments/0/contentType', message: expect.stringMatching(/pattern/) });
    });

    it("answers 400 for CR/LF in the content type of a client's own attachment", async () => {
      const res = await h.request({
        method: 'PUT',
        url: '/v1/counterparties/demo-client',
        payload: { overrides: { 'order.ready_for_pickup': { attachments: [{ filename: 'a.txt', content: 'x', contentType: badContentType }] } } },
      });
      const details = expectErrorBody(res, 400, 'VALIDATION_ERROR');
      expect(details).toContainEqual({ path: '/body/overrides/order.ready_for_pickup/attachments/0/contentType', message: expect.stringMatching(/pattern/) });
    });
  });

  it('started nothing: no event was stored and no mail was sent', async () => {
    // Runs after every refusal above (vitest runs a file's tests in order).
    const stored = await h.db.select().from(events).where(eq(events.companyId, h.companyId));
    expect(stored).toEqual([]);
    const started: string[] = [];
    for await (const wf of h.temporal.workflow.list({ query: `TaskQueue = '${h.taskQueue}'` })) started.push(wf.workflowId);
    expect(started).toEqual([]);
    // Give anything that might have been started a moment to deliver.
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(h.smtp.messages).toHaveLength(0);
  });

  it('still accepts a valid event afterwards, so the refusals above were about the input', async () => {
    const res = await post({ payload: valid });
    expect(res.statusCode, res.body).toBe(202);
    const stored = await h.db.select().from(events).where(eq(events.companyId, h.companyId));
    expect(stored.map((e) => e.id)).toEqual([valid.id]);
    await h.temporal.workflow.getHandle(res.json().workflowId).terminate('test: no worker runs this workflow');
  });

  it('keeps well-formed text exactly: emoji, a real U+FFFD and nesting 32 deep', async () => {
    let nested: unknown = 'дно';
    for (let i = 0; i < 32; i++) nested = i % 2 === 0 ? [nested] : { level: nested };
    const base = buildEvent();
    const event = buildEvent({ id: `evt-😀-\uFFFD-${valid.id}`, data: { ...base.data, orderNumber: 'ЗК-😀\uFFFD', nested } });
    const res = await post({ payload: event });
    expect(res.statusCode, res.body).toBe(202);
    const [stored] = await h.db.select().from(events).where(eq(events.id, event.id));
    expect(stored?.data).toEqual(event.data);
    await h.temporal.workflow.getHandle(res.json().workflowId).terminate('test: no worker runs this workflow');
  });
});
