import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Db } from '../../db/client';
import { analyzeSms } from '../../domain/sms';
import { builtinSampleData, renderEmailTemplate, renderTemplate, type TemplateKind } from '../../domain/templates';
import { templateProblem } from '../template-problems';
import { BadRequestError, NotFoundError, UnprocessableError } from '../errors';
import { ChannelSchema, errorResponses, EventTypeNameSchema, StringEnum } from '../schemas';
import { loadEventType, sampleFor } from './event-types';

const EmailTemplateSchema = Type.Object(
  {
    subject: Type.String({ maxLength: 1000 }),
    html: Type.Optional(Type.Union([Type.String({ maxLength: 500_000 }), Type.Null()])),
    text: Type.Optional(Type.Union([Type.String({ maxLength: 100_000 }), Type.Null()])),
  },
  { additionalProperties: false },
);

const PreviewInputSchema = Type.Object(
  {
    channel: ChannelSchema,
    template: Type.Union([Type.String({ maxLength: 100_000 }), EmailTemplateSchema], {
      description: 'A string for sms and telegram; { subject, html, text } for email.',
    }),
    data: Type.Optional(Type.Record(Type.String(), Type.Unknown(), { description: "The event's data; defaults to the event type's examples." })),
    eventType: Type.Optional(EventTypeNameSchema),
  },
  { additionalProperties: false },
);

const PreviewSchema = Type.Object({
  channel: ChannelSchema,
  subject: Type.Optional(Type.String()),
  html: Type.Optional(Type.Union([Type.String(), Type.Null()])),
  text: Type.String(),
  sms: Type.Optional(
    Type.Object({
      encoding: StringEnum(['GSM-7', 'UCS-2']),
      length: Type.Integer(),
      segments: Type.Integer(),
      perSegment: Type.Integer(),
      remaining: Type.Integer(),
    }),
  ),
});

/** `POST /v1/templates/preview`: renders a template with sample data; for SMS also the segment counter (R9, R10). */
export const templatePreviewRoutes: FastifyPluginAsyncTypebox<{ db: Db }> = async (app, { db }) => {
  app.post(
    '/templates/preview',
    {
      config: { role: 'templates:read' },
      schema: {
        tags: ['configuration'],
        summary: 'Render a template with sample data',
        body: PreviewInputSchema,
        response: { 200: PreviewSchema, ...errorResponses(400, 401, 403, 404, 422) },
      },
    },
    async (request) => {
      const { channel, template, eventType } = request.body;
      let sample = builtinSampleData();
      if (eventType) {
        const found = await loadEventType(db, request.auth.companyId, eventType);
        if (!found) throw new NotFoundError(`event type ${eventType}`);
        sample = sampleFor(found.eventType.variables);
      }
      const data = { ...sample, ...(request.body.data ?? {}) };

      if (channel === 'email') {
        if (typeof template === 'string') {
          throw new BadRequestError('an e-mail template is { subject, html, text }', [
            { path: '/body/template', message: 'must be an object with subject and html or text for email' },
          ]);
        }
        await check('/body/template/subject', template.subject, 'text', data);
        if (template.html) await check('/body/template/html', template.html, 'html', data);
        if (template.text) await check('/body/template/text', template.text, 'text', data);
        const rendered = await renderEmailTemplate({ subject: template.subject, html: template.html ?? null, text: template.text ?? null }, data);
        return { channel, subject: rendered.subject, html: rendered.html, text: rendered.text };
      }

      if (typeof template !== 'string') {
        throw new BadRequestError(`a ${channel} template is a string`, [{ path: '/body/template', message: `must be a string for ${channel}` }]);
      }
      await check('/body/template', template, 'text', data);
      const text = (await renderTemplate(template, 'text', data)).trim();
      if (channel === 'sms') return { channel, text, sms: analyzeSms(text) };
      return { channel, text };
    },
  );
};

async function check(path: string, source: string, kind: TemplateKind, data: Record<string, unknown>): Promise<void> {
  const problem = await templateProblem(path, source, kind, data);
  if (problem) throw new UnprocessableError('TEMPLATE_ERROR', problem.message, [problem]);
}
