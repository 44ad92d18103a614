import { Type, type Static } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { and, asc, eq, sql } from 'drizzle-orm';
import type { Db } from '../../db/client';
import { createConfigChangeRepository } from '../../db/repositories/config-changes';
import { counterparties, counterpartyOverrides, eventTypes, templates, type EventType, type Template } from '../../db/schema';
import { type Audience, type Channel } from '../../domain/vocabulary';
import { builtinSampleData, checkTemplate, TemplateError, type TemplateKind } from '../../domain/templates';
import { templateProblem } from '../template-problems';
import { BadRequestError, NotFoundError, UnprocessableError, type ErrorDetail } from '../errors';
import {
  ChannelSchema,
  EmailSchema,
  errorResponses,
  EventTypeNameSchema,
  StringEnum,
} from '../schemas';
import { actorOf } from './actor';

const VariableSchema = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 100, pattern: '^[A-Za-z_][A-Za-z0-9_]*$' }),
    description: Type.String({ maxLength: 500 }),
    example: Type.Unknown(),
  },
  { additionalProperties: false },
);

const AttachmentSchema = Type.Object(
  {
    filename: Type.String({ minLength: 1, maxLength: 300, description: 'Liquid template of the file name.' }),
    content: Type.String({ maxLength: 200_000, description: 'Liquid template of the text content.' }),
    contentType: Type.String({ minLength: 1, maxLength: 100, default: 'text/plain; charset=utf-8' }),
  },
  { additionalProperties: false },
);

const TemplateInputSchema = Type.Object(
  {
    subject: Type.Optional(Type.String({ maxLength: 1000 })),
    html: Type.Optional(Type.Union([Type.String({ maxLength: 500_000 }), Type.Null()])),
    text: Type.Optional(Type.Union([Type.String({ maxLength: 100_000 }), Type.Null()])),
    fromName: Type.Optional(Type.Union([Type.String({ maxLength: 200 }), Type.Null()])),
    attachments: Type.Optional(Type.Array(AttachmentSchema, { maxItems: 10 })),
    extraRecipients: Type.Optional(Type.Array(EmailSchema, { maxItems: 50 })),
  },
  { additionalProperties: false },
);
type TemplateInput = Static<typeof TemplateInputSchema>;

const ChannelTemplatesInputSchema = Type.Object(
  {
    email: Type.Optional(Type.Union([TemplateInputSchema, Type.Null()])),
    sms: Type.Optional(Type.Union([TemplateInputSchema, Type.Null()])),
    telegram: Type.Optional(Type.Union([TemplateInputSchema, Type.Null()])),
  },
  { additionalProperties: false },
);

const SettingsFields = {
  active: Type.Boolean(),
  confirmBeforeSend: Type.Boolean({ description: 'Wait for a person to approve before sending (R13).' }),
  confirmTimeoutSeconds: Type.Integer({ minimum: 60, maximum: 30 * 86_400 }),
  sendToClient: Type.Boolean(),
  sendToManager: Type.Boolean({ description: "Also notify the client's responsible manager." }),
  trackedByManager: Type.Boolean({ description: 'When the client opted out, journal it for the manager (R14).' }),
  defaultSendForNewClients: Type.Boolean(),
  emailDelivery: StringEnum(['immediate', 'batched']),
  channels: Type.Array(ChannelSchema, { minItems: 1, maxItems: 3, uniqueItems: true, description: 'Client channels, first choice first.' }),
  managerChannels: Type.Array(ChannelSchema, { minItems: 1, maxItems: 3, uniqueItems: true }),
};

const EventTypeUpdateSchema = Type.Object(
  {
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    description: Type.Optional(Type.String({ maxLength: 2000 })),
    variables: Type.Optional(Type.Array(VariableSchema, { maxItems: 100 })),
    active: Type.Optional(SettingsFields.active),
    confirmBeforeSend: Type.Optional(SettingsFields.confirmBeforeSend),
    confirmTimeoutSeconds: Type.Optional(SettingsFields.confirmTimeoutSeconds),
    sendToClient: Type.Optional(SettingsFields.sendToClient),
    sendToManager: Type.Optional(SettingsFields.sendToManager),
    trackedByManager: Type.Optional(SettingsFields.trackedByManager),
    defaultSendForNewClients: Type.Optional(SettingsFields.defaultSendForNewClients),
    emailDelivery: Type.Optional(SettingsFields.emailDelivery),
    channels: Type.Optional(SettingsFields.channels),
    managerChannels: Type.Optional(SettingsFields.managerChannels),
    templates: Type.Optional(
      Type.Object(
        { client: Type.Optional(ChannelTemplatesInputSchema), manager: Type.Optional(ChannelTemplatesInputSchema) },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);

const TemplateSchema = Type.Object({
  subject: Type.Union([Type.String(), Type.Null()]),
  html: Type.Union([Type.String(), Type.Null()]),
  text: Type.Union([Type.String(), Type.Null()]),
  fromName: Type.Union([Type.String(), Type.Null()]),
  attachments: Type.Array(AttachmentSchema),
  extraRecipients: Type.Array(Type.String()),
  updatedAt: Type.String({ format: 'date-time' }),
});

const EventTypeSchema = Type.Object({
  type: Type.String(),
  name: Type.String(),
  description: Type.String(),
  source: Type.String(),
  variables: Type.Array(VariableSchema),
  ...SettingsFields,
  templates: Type.Object({
    client: Type.Record(Type.String(), TemplateSchema),
    manager: Type.Record(Type.String(), TemplateSchema),
  }),
  updatedAt: Type.String({ format: 'date-time' }),
});

/** Event types (R7), their settings (R8) and their templates per audience and channel (R9). */
export const eventTypesRoutes: FastifyPluginAsyncTypebox<{ db: Db }> = async (app, { db }) => {
  app.get(
    '/event-types',
    {
      config: { role: 'templates:read' },
      schema: {
        tags: ['configuration'],
        summary: 'Every event type of the company with its settings and templates',
        response: { 200: Type.Object({ items: Type.Array(EventTypeSchema) }), ...errorResponses(401, 403) },
      },
    },
    async (request) => {
      const companyId = request.auth.companyId;
      const [types, allTemplates] = await Promise.all([
        db.select().from(eventTypes).where(eq(eventTypes.companyId, companyId)).orderBy(asc(eventTypes.type)),
        db.select().from(templates).where(eq(templates.companyId, companyId)),
      ]);
      return { items: types.map((t) => toDto(t, allTemplates.filter((x) => x.eventType === t.type))) };
    },
  );

  app.get(
    '/event-types/:type',
    {
      config: { role: 'templates:read' },
      schema: {
        tags: ['configuration'],
        summary: 'One event type',
        params: Type.Object({ type: EventTypeNameSchema }),
        response: { 200: EventTypeSchema, ...errorResponses(401, 403, 404) },
      },
    },
    async (request) => {
      const found = await loadEventType(db, request.auth.companyId, request.params.type);
      if (!found) throw new NotFoundError(`event type ${request.params.type}`);
      return toDto(found.eventType, found.templates);
    },
  );

  app.put(
    '/event-types/:type',
    {
      config: { role: 'templates:write' },
      schema: {
        tags: ['configuration'],
        summary: 'Create or change an event type, its settings and templates',
        description:
          'Fields left out keep their value; a template set to null is removed. Templates are checked before ' +
          'saving: a syntax error, an unknown filter or a variable the event type does not declare is a 422 ' +
          'naming the line and column.',
        params: Type.Object({ type: EventTypeNameSchema }),
        body: EventTypeUpdateSchema,
        response: { 200: EventTypeSchema, ...errorResponses(400, 401, 403, 422) },
      },
    },
    async (request) => {
      const companyId = request.auth.companyId;
      const type = request.params.type;
      const body: EventTypeUpdate = request.body;
      const before = await loadEventType(db, companyId, type);
      if (!before && body.name === undefined) {
        throw new BadRequestError('a new event type needs a name', [{ path: '/body/name', message: 'is required to create an event type' }]);
      }

      const variables = body.variables ?? before?.eventType.variables ?? [];
      const sample = sampleFor(variables);
      await checkTemplates(body.templates, sample);
      if (before && body.variables) await checkStoredTemplates(db, companyId, type, before.templates, body.templates, sample);

      await db.transaction(async (tx) => {
        const { templates: _ignored, ...fields } = body;
        if (before) {
          await tx
            .update(eventTypes)
            .set({ ...fields, updatedAt: sql`now()` })
            .where(and(eq(eventTypes.companyId, companyId), eq(eventTypes.type, type)));
        } else {
          await tx.insert(eventTypes).values({ ...fields, companyId, type, name: body.name!, source: 'custom' });
          // Existing clients get the new type's default, as new clients do (R12).
          await tx.execute(sql`
            insert into ${counterpartyOverrides} (company_id, counterparty_id, event_type, send)
            select ${counterparties.companyId}, ${counterparties.id}, ${type}, ${body.defaultSendForNewClients ?? true}
            from ${counterparties} where ${counterparties.companyId} = ${companyId}
            on conflict do nothing`);
        }
        for (const audience of ['client', 'manager'] as const) {
          for (const channel of ['email', 'sms', 'telegram'] as const) {
            const input = body.templates?.[audience]?.[channel];
            if (input === undefined) continue;
            const key = and(
              eq(templates.companyId, companyId),
              eq(templates.eventType, type),
              eq(templates.audience, audience),
              eq(templates.channel, channel),
            );
            if (input === null) {
              await tx.delete(templates).where(key);
              continue;
            }
            const values = templateValues(input);
            await tx
              .insert(templates)
              .values({ companyId, eventType: type, audience, channel, ...values })
              .onConflictDoUpdate({
                target: [templates.companyId, templates.eventType, templates.audience, templates.channel],
                set: { ...values, updatedAt: sql`now()` },
              });
          }
        }
      });

      const after = (await loadEventType(db, companyId, type))!;
      const dto = toDto(after.eventType, after.templates);
      await createConfigChangeRepository(db).record({
        companyId,
        actor: actorOf(request),
        entity: 'event_type',
        entityId: type,
        action: before ? 'update' : 'create',
        before: before ? toDto(before.eventType, before.templates) : null,
        after: dto,
      });
      return dto;
    },
  );
};

interface EventTypeUpdate {
  name?: string;
  description?: string;
  variables?: { name: string; description: string; example: unknown }[];
  active?: boolean;
  confirmBeforeSend?: boolean;
  confirmTimeoutSeconds?: number;
  sendToClient?: boolean;
  sendToManager?: boolean;
  trackedByManager?: boolean;
  defaultSendForNewClients?: boolean;
  emailDelivery?: 'immediate' | 'batched';
  channels?: Channel[];
  managerChannels?: Channel[];
  templates?: Partial<Record<Audience, Partial<Record<Channel, TemplateInput | null>>>>;
}

export async function loadEventType(
  db: Db,
  companyId: string,
  type: string,
): Promise<{ eventType: EventType; templates: Template[] } | undefined> {
  const [eventType] = await db
    .select()
    .from(eventTypes)
    .where(and(eq(eventTypes.companyId, companyId), eq(eventTypes.type, type)));
  if (!eventType) return undefined;
  const rows = await db
    .select()
    .from(templates)
    .where(and(eq(templates.companyId, companyId), eq(templates.eventType, type)));
  return { eventType, templates: rows };
}

/** Sample data for checking and previewing: the built-ins plus each declared variable's example. */
export function sampleFor(variables: readonly { name: string; example: unknown }[]): Record<string, unknown> {
  return { ...builtinSampleData(), ...Object.fromEntries(variables.map((v) => [v.name, v.example])) };
}

/** Every template field of the request, checked against the sample; all problems reported at once. */
async function checkTemplates(input: EventTypeUpdate['templates'], sample: Record<string, unknown>): Promise<void> {
  const problems: ErrorDetail[] = [];
  const check = async (path: string, source: string | null | undefined, kind: TemplateKind) => {
    const problem = await templateProblem(path, source, kind, sample);
    if (problem) problems.push(problem);
  };
  for (const audience of ['client', 'manager'] as const) {
    for (const channel of ['email', 'sms', 'telegram'] as const) {
      const t = input?.[audience]?.[channel];
      if (!t) continue;
      const base = `/body/templates/${audience}/${channel}`;
      if (channel === 'email') {
        if (!t.subject) problems.push({ path: `${base}/subject`, message: 'an e-mail template needs a subject' });
        if (!t.html && !t.text) problems.push({ path: `${base}/html`, message: 'an e-mail template needs an html or a text body' });
        await check(`${base}/subject`, t.subject, 'text');
        await check(`${base}/html`, t.html, 'html');
      } else if (!t.text) {
        problems.push({ path: `${base}/text`, message: `a ${channel} template needs a text` });
      }
      await check(`${base}/text`, t.text, 'text');
      for (const [i, a] of (t.attachments ?? []).entries()) {
        await check(`${base}/attachments/${i}/filename`, a.filename, 'text');
        await check(`${base}/attachments/${i}/content`, a.content, 'text');
      }
    }
  }
  if (problems.length > 0) {
    throw new UnprocessableError('TEMPLATE_ERROR', `template refused: ${problems.map((p) => `${p.path}: ${p.message}`).join('; ')}`, problems);
  }
}

/**
 * Changing the declared variables must not strand a saved template (or a
 * client's own template) on a variable that no longer exists.
 */
async function checkStoredTemplates(
  db: Db,
  companyId: string,
  type: string,
  stored: Template[],
  replaced: EventTypeUpdate['templates'],
  sample: Record<string, unknown>,
): Promise<void> {
  const problems: ErrorDetail[] = [];
  const check = async (where: string, source: string | null | undefined, kind: TemplateKind) => {
    if (!source) return;
    try {
      await checkTemplate(source, kind, sample);
    } catch (err) {
      if (!(err instanceof TemplateError)) throw err;
      problems.push({ path: '/body/variables', message: `${where} would break: ${err.message}` });
    }
  };
  for (const t of stored) {
    if (replaced?.[t.audience]?.[t.channel] !== undefined) continue;
    const where = `the saved ${t.audience} ${t.channel} template`;
    await check(`${where} (subject)`, t.subject, 'text');
    await check(`${where} (html)`, t.html, 'html');
    await check(`${where} (text)`, t.text, 'text');
  }
  const overrides = await db
    .select()
    .from(counterpartyOverrides)
    .where(and(eq(counterpartyOverrides.companyId, companyId), eq(counterpartyOverrides.eventType, type)));
  for (const o of overrides) {
    for (const [channel, t] of Object.entries(o.templates)) {
      const where = `the ${channel} template of client ${o.counterpartyId}`;
      await check(`${where} (subject)`, t.subject, 'text');
      await check(`${where} (html)`, t.html, 'html');
      await check(`${where} (text)`, t.text, 'text');
    }
  }
  if (problems.length > 0) {
    throw new UnprocessableError('TEMPLATE_ERROR', problems.map((p) => p.message).join('; '), problems);
  }
}

function templateValues(input: TemplateInput) {
  return {
    subject: input.subject ?? null,
    html: input.html ?? null,
    text: input.text ?? null,
    fromName: input.fromName ?? null,
    attachments: (input.attachments ?? []).map((a) => ({ ...a, contentType: a.contentType || 'text/plain; charset=utf-8' })),
    extraRecipients: input.extraRecipients ?? [],
  };
}

function toDto(eventType: EventType, rows: Template[]) {
  const byAudience = (audience: Audience) =>
    Object.fromEntries(
      rows
        .filter((t) => t.audience === audience)
        .map((t) => [
          t.channel,
          {
            subject: t.subject,
            html: t.html,
            text: t.text,
            fromName: t.fromName,
            attachments: t.attachments,
            extraRecipients: t.extraRecipients,
            updatedAt: t.updatedAt.toISOString(),
          },
        ]),
    );
  return {
    type: eventType.type,
    name: eventType.name,
    description: eventType.description,
    source: eventType.source,
    variables: eventType.variables,
    active: eventType.active,
    confirmBeforeSend: eventType.confirmBeforeSend,
    confirmTimeoutSeconds: eventType.confirmTimeoutSeconds,
    sendToClient: eventType.sendToClient,
    sendToManager: eventType.sendToManager,
    trackedByManager: eventType.trackedByManager,
    defaultSendForNewClients: eventType.defaultSendForNewClients,
    emailDelivery: eventType.emailDelivery,
    channels: eventType.channels,
    managerChannels: eventType.managerChannels,
    templates: { client: byAudience('client'), manager: byAudience('manager') },
    updatedAt: eventType.updatedAt.toISOString(),
  };
}
