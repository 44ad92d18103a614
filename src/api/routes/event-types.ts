import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Db } from '../../db/client';
import { createEventTypeService } from '../../services/event-types';
import { actorOf } from '../plugins/auth';
import { errorResponses } from '../schemas/common';
import { EventTypeListSchema, EventTypeParamsSchema, EventTypePatchSchema, EventTypeSchema, EventTypeUpdateSchema } from '../schemas/event-types';

/** Event types (R7), their settings (R8) and their templates per audience and channel (R9). */
export const eventTypesRoutes: FastifyPluginAsyncTypebox<{ db: Db }> = async (app, { db }) => {
  const eventTypes = createEventTypeService(db);

  app.get(
    '/event-types',
    {
      config: { role: 'templates:read' },
      schema: {
        tags: ['configuration'],
        summary: 'Every event type of the company with its settings and templates',
        response: { 200: EventTypeListSchema, ...errorResponses(401, 403) },
      },
    },
    async (request) => ({ items: await eventTypes.list(request.auth.companyId) }),
  );

  app.get(
    '/event-types/:type',
    {
      config: { role: 'templates:read' },
      schema: {
        tags: ['configuration'],
        summary: 'One event type',
        params: EventTypeParamsSchema,
        response: { 200: EventTypeSchema, ...errorResponses(401, 403, 404) },
      },
    },
    async (request) => eventTypes.get(request.auth.companyId, request.params.type),
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
        params: EventTypeParamsSchema,
        body: EventTypeUpdateSchema,
        response: { 200: EventTypeSchema, ...errorResponses(400, 401, 403, 422) },
      },
    },
    async (request) => eventTypes.save(request.auth.companyId, request.params.type, request.body, actorOf(request)),
  );

  app.patch(
    '/event-types/:type',
    {
      config: { role: 'templates:write' },
      schema: {
        tags: ['configuration'],
        summary: 'Change some fields of an event type or of one of its templates (JSON merge semantics)',
        description:
          'Like PUT, but a template names only the fields it changes and keeps the others, e.g. ' +
          '`{ "templates": { "client": { "email": { "fromName": "Склад" } } } }` changes the sender name alone. ' +
          'A template set to null is removed. `subEvents` keyed by code changes one step, e.g. ' +
          '`{ "subEvents": { "unloading": { "active": false } } }`; a list replaces them all. The event type must exist (404). Templates are checked as with PUT; ' +
          'recorded in the configuration history as `patch`.',
        params: EventTypeParamsSchema,
        body: EventTypePatchSchema,
        response: { 200: EventTypeSchema, ...errorResponses(400, 401, 403, 404, 422) },
      },
    },
    async (request) => eventTypes.patch(request.auth.companyId, request.params.type, request.body, actorOf(request)),
  );
};
