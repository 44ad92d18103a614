import type { FastifyRequest } from 'fastify';

/** Who is acting, for the configuration history and journal changes: the API key, by id and name. */
export function actorOf(request: FastifyRequest): string {
  return `key:${request.auth.keyId} ${request.auth.keyName}`;
}
