import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import QRCode from 'qrcode';
import { ConflictError, NotFoundError } from '../../domain/errors';
import type { Db } from '../../db/client';
import { createCounterpartyService } from '../../services/counterparties';
import { actorOf } from '../plugins/auth';
import { errorResponses } from '../schemas/common';
import {
  CounterpartyInputSchema,
  CounterpartyListQuerySchema,
  CounterpartyPageSchema,
  ContactParamsSchema,
  CounterpartyParamsSchema,
  CounterpartyPatchSchema,
  CounterpartySchema,
} from '../schemas/counterparties';

/** Clients, their contacts (R11) and their per-event-type overrides (R12). */
export const counterpartiesRoutes: FastifyPluginAsyncTypebox<{ db: Db }> = async (app, { db }) => {
  const counterparties = createCounterpartyService(db);

  app.get(
    '/counterparties',
    {
      config: { role: 'journal:read' },
      schema: {
        tags: ['configuration'],
        summary: 'Clients of the company',
        querystring: CounterpartyListQuerySchema,
        response: { 200: CounterpartyPageSchema, ...errorResponses(401, 403) },
      },
    },
    async (request) => counterparties.list(request.auth.companyId, { ...request.query, limit: request.query.limit ?? 100 }),
  );

  app.get(
    '/counterparties/:id',
    {
      config: { role: 'journal:read' },
      schema: {
        tags: ['configuration'],
        summary: 'A client with contacts and overrides',
        params: CounterpartyParamsSchema,
        response: { 200: CounterpartySchema, ...errorResponses(401, 403, 404) },
      },
    },
    async (request) => counterparties.get(request.auth.companyId, request.params.id),
  );

  app.get(
    '/counterparties/:id/contacts/:contactId/telegram-qr.png',
    {
      config: { role: 'journal:read' },
      schema: {
        tags: ['configuration'],
        summary: "A QR code (PNG) of a contact's Telegram deep link",
        description:
          'Scanning it opens the company bot with the contact\'s `/start <token>`: the contact is subscribed. 404 for an unknown ' +
          'client or contact; 409 while the company has no bot (set `telegram.botToken`) or the contact is already subscribed.',
        params: ContactParamsSchema,
        // The PNG is the 200's only; every refusal is the JSON error contract like any other route's.
        response: {
          200: { description: 'The QR code', content: { 'image/png': { schema: Type.Unsafe<Buffer>({ type: 'string', format: 'binary' }) } } },
          ...errorResponses(401, 403, 404, 409),
        },
      },
    },
    async (request, reply) => {
      const view = await counterparties.get(request.auth.companyId, request.params.id);
      const contact = view.contacts.find((c) => c.id === request.params.contactId);
      if (!contact) throw new NotFoundError(`contact ${request.params.contactId} of counterparty ${request.params.id}`);
      if (!contact.telegram.link) {
        throw new ConflictError(
          contact.telegram.subscribed
            ? `contact ${contact.id} is already subscribed to the bot`
            : 'the company has no Telegram bot yet: set telegram.botToken in the settings',
        );
      }
      const png = await QRCode.toBuffer(contact.telegram.link, { type: 'png', width: 320, margin: 2, errorCorrectionLevel: 'M' });
      return reply.header('content-type', 'image/png').header('cache-control', 'private, no-store').send(png);
    },
  );

  app.put(
    '/counterparties/:id',
    {
      config: { role: 'settings:admin' },
      schema: {
        tags: ['configuration'],
        summary: 'Create or change a client',
        description:
          'Fields left out keep their value. `contacts` replaces the list: contacts with an id are updated, ' +
          'without one created, and those not listed removed. A new client gets each event type\'s ' +
          '"send for new clients" default, unless `overrides` says otherwise.',
        params: CounterpartyParamsSchema,
        body: CounterpartyInputSchema,
        response: { 200: CounterpartySchema, ...errorResponses(400, 401, 403, 422) },
      },
    },
    async (request) => counterparties.save(request.auth.companyId, request.params.id, request.body, actorOf(request)),
  );

  app.patch(
    '/counterparties/:id',
    {
      config: { role: 'settings:admin' },
      schema: {
        tags: ['configuration'],
        summary: "Change some of a client's settings, e.g. one override (JSON merge semantics)",
        description:
          'Fields left out keep their value. `overrides` is keyed by event type: an object changes only the fields it names ' +
          '(a channel template merges field by field, null removes it), null removes the whole override. ' +
          'The client must exist (404). Recorded in the configuration history as `patch`.',
        params: CounterpartyParamsSchema,
        body: CounterpartyPatchSchema,
        response: { 200: CounterpartySchema, ...errorResponses(400, 401, 403, 404, 422) },
      },
    },
    async (request) => counterparties.patch(request.auth.companyId, request.params.id, request.body, actorOf(request)),
  );
};
