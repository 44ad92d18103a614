import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { createApiKeyRepository } from '../../db/repositories/api-keys';
import type { Db } from '../../db/client';
import { createConfigChangeRepository } from '../../db/repositories/config-changes';
import { ROLES } from '../../domain/roles';
import { NotFoundError } from '../errors';
import { errorResponses, StringEnum } from '../schemas';
import { actorOf } from './actor';

const RoleSchema = StringEnum(ROLES);

const ApiKeySchema = Type.Object({
  id: Type.Integer(),
  name: Type.String(),
  roles: Type.Array(Type.String()),
  createdAt: Type.String({ format: 'date-time' }),
  revokedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
});

/** API keys with roles (R18): the value is shown once at creation and stored only as a hash. */
export const apiKeysRoutes: FastifyPluginAsyncTypebox<{ db: Db }> = async (app, { db }) => {
  const keys = createApiKeyRepository(db);

  app.get(
    '/api-keys',
    {
      config: { role: 'settings:admin' },
      schema: {
        tags: ['access'],
        summary: "The company's API keys (never their values)",
        response: { 200: Type.Object({ items: Type.Array(ApiKeySchema) }), ...errorResponses(401, 403) },
      },
    },
    async (request) => ({
      items: (await keys.list(request.auth.companyId)).map((k) => ({
        ...k,
        createdAt: k.createdAt.toISOString(),
        revokedAt: k.revokedAt?.toISOString() ?? null,
      })),
    }),
  );

  app.post(
    '/api-keys',
    {
      config: { role: 'settings:admin' },
      schema: {
        tags: ['access'],
        summary: 'Create a key; its value is in this answer only',
        body: Type.Object(
          { name: Type.String({ minLength: 1, maxLength: 200 }), roles: Type.Array(RoleSchema, { minItems: 1, uniqueItems: true }) },
          { additionalProperties: false },
        ),
        response: {
          201: Type.Object({ id: Type.Integer(), name: Type.String(), roles: Type.Array(Type.String()), key: Type.String() }),
          ...errorResponses(400, 401, 403),
        },
      },
    },
    async (request, reply) => {
      const { name, roles } = request.body;
      const created = await keys.create(request.auth.companyId, name, roles);
      await createConfigChangeRepository(db).record({
        companyId: request.auth.companyId,
        actor: actorOf(request),
        entity: 'api_key',
        entityId: String(created.id),
        action: 'create',
        after: { name, roles },
      });
      return reply.status(201).send({ id: created.id, name, roles, key: created.key });
    },
  );

  app.delete(
    '/api-keys/:id',
    {
      config: { role: 'settings:admin' },
      schema: {
        tags: ['access'],
        summary: 'Revoke a key at once',
        params: Type.Object({ id: Type.Integer({ minimum: 1 }) }),
        response: { 204: Type.Null(), ...errorResponses(401, 403, 404) },
      },
    },
    async (request, reply) => {
      if (!(await keys.revoke(request.auth.companyId, request.params.id))) throw new NotFoundError(`API key ${request.params.id}`);
      await createConfigChangeRepository(db).record({
        companyId: request.auth.companyId,
        actor: actorOf(request),
        entity: 'api_key',
        entityId: String(request.params.id),
        action: 'revoke',
      });
      return reply.status(204).send(null);
    },
  );
};
