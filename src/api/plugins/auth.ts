import type { FastifyInstance, FastifyRequest } from 'fastify';
import { createApiKeyRepository, type AuthenticatedKey } from '../../db/repositories/api-keys';
import type { Db } from '../../db/client';
import type { Role } from '../../domain/roles';
import { ForbiddenError, UnauthorizedError } from '../../domain/errors';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The role a caller's key must carry; every /v1 route names one. */
    role?: Role;
  }
  interface FastifyRequest {
    auth: AuthenticatedKey;
  }
}

/**
 * Authenticates `Authorization: Bearer <key>` on every route of the scope it is
 * registered in, and checks the role the route's config names.
 */
export function registerAuth(app: FastifyInstance, db: Db): void {
  const keys = createApiKeyRepository(db);
  app.decorateRequest('auth', null as unknown as AuthenticatedKey);
  app.addHook('onRequest', async (request: FastifyRequest) => {
    const role = request.routeOptions.config.role;
    if (!role) throw new Error(`route ${request.routeOptions.url ?? request.url} declares no role`);
    const header = request.headers.authorization;
    const match = header === undefined ? null : /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (!match?.[1]) throw new UnauthorizedError();
    const auth = await keys.authenticate(match[1]);
    if (!auth) throw new UnauthorizedError('unknown or revoked API key');
    if (!auth.roles.includes(role)) throw new ForbiddenError(role);
    request.auth = auth;
  });
}

/** Who is acting, for the configuration history and journal changes: the API key, by id and name. */
export function actorOf(request: FastifyRequest): string {
  return `key:${request.auth.keyId} ${request.auth.keyName}`;
}
