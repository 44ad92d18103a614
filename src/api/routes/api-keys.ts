import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { createApiKeyRepository } from '../../db/repositories/api-keys';
import type { ChangeFeed } from '../../db/change-feed';
import type { Db } from '../../db/client';
import { createConfigChangeRepository } from '../../db/repositories/config-changes';
import { ConflictError, NotFoundError } from '../../domain/errors';
import { actorOf } from '../plugins/auth';
import { ApiKeyCreatedSchema, ApiKeyInputSchema, ApiKeyListSchema, ApiKeyParamsSchema, ApiKeyRevokedSchema } from '../schemas/api-keys';
import { errorResponses } from '../schemas/common';

/** API keys with roles (R18): the value is shown once at creation and stored only as a hash. */
export const apiKeysRoutes: FastifyPluginAsyncTypebox<{ db: Db; changes?: ChangeFeed | undefined }> = async (app, { db, changes: feed }) => {
  const keys = createApiKeyRepository(db);
  const changes = createConfigChangeRepository(db);

  app.get(
    '/api-keys',
    {
      config: { role: 'settings:admin' },
      schema: {
        tags: ['access'],
        summary: "The company's API keys (never their values)",
        response: { 200: ApiKeyListSchema, ...errorResponses(401, 403) },
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
        body: ApiKeyInputSchema,
        response: { 201: ApiKeyCreatedSchema, ...errorResponses(400, 401, 403) },
      },
    },
    async (request, reply) => {
      const { name, roles } = request.body;
      const created = await keys.create(request.auth.companyId, name, roles);
      // This process's key cache hears of it now, not when the notification arrives.
      feed?.invalidate();
      await changes.record({
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
        description: 'Answers 409 for the last active key with `settings:admin`: create another admin key first.',
        params: ApiKeyParamsSchema,
        response: { 204: ApiKeyRevokedSchema, ...errorResponses(400, 401, 403, 404, 409) },
      },
    },
    async (request, reply) => {
      const outcome = await keys.revoke(request.auth.companyId, request.params.id);
      // Revoked at once in this process: the answer can reach the caller before the notification reaches the key cache.
      if (outcome === 'revoked') feed?.invalidate();
      if (outcome === 'not_found') throw new NotFoundError(`API key ${request.params.id}`);
      if (outcome === 'last_admin') {
        throw new ConflictError(
          `API key ${request.params.id} is the last active key with settings:admin; create another admin key before revoking it`,
        );
      }
      await changes.record({
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
