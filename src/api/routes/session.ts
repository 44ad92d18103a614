import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { Db } from '../../db/client';
import { createSessionRepository, type AuthenticatedUser } from '../../db/repositories/sessions';
import { UnauthorizedError } from '../../domain/errors';
import type { SessionPolicy } from '../../domain/sessions';
import { createSignInService } from '../../services/sessions';
import { checkCsrf, clearSessionCookie, createSessionAuth, setSessionCookie } from '../plugins/auth';
import { errorResponses } from '../schemas/common';
import { SessionSchema, SignInSchema } from '../schemas/users';

const sessionDto = (user: Pick<AuthenticatedUser, 'login' | 'name' | 'roles' | 'managerId' | 'companyId'> & { id: number }, csrfToken: string) => ({
  user: { id: user.id, login: user.login, name: user.name, roles: user.roles, managerId: user.managerId, companyId: user.companyId },
  csrfToken,
});

/**
 * People's sign-in to the console (R20): a session in an HttpOnly cookie.
 * Not behind the API-key hook: signing in is how one gets authenticated.
 */
export const sessionRoutes: FastifyPluginAsyncTypebox<{ db: Db; policy: SessionPolicy }> = async (app, { db, policy }) => {
  const signIn = createSignInService(db, policy);
  const sessionOf = createSessionAuth(db, policy);
  const sessions = createSessionRepository(db);

  const signedIn = async (request: Parameters<typeof sessionOf>[0]) => {
    const user = await sessionOf(request);
    if (!user) throw new UnauthorizedError('not signed in, or the session has ended: sign in again');
    return user;
  };

  app.post(
    '/session',
    {
      schema: {
        tags: ['session'],
        summary: 'Sign in with a login and password',
        description:
          'Sets the cookie `notify_session` (HttpOnly, SameSite=Strict, Secure unless the host is localhost) and returns the person with ' +
          'the CSRF token that every later change must carry in `x-csrf-token`. A wrong login or password answers 401 without saying which; ' +
          'after 5 failures for one login (or 20 from one address) within 15 minutes, 429 with `Retry-After`, whatever the password.',
        security: [],
        body: SignInSchema,
        response: {
          200: {
            ...SessionSchema,
            headers: Type.Object({ 'set-cookie': Type.String({ description: 'notify_session=<token>; Path=/; HttpOnly; SameSite=Strict[; Secure]' }) }),
          },
          ...errorResponses(400, 401, 429),
        },
      },
    },
    async (request, reply) => {
      const { login, password, companyId } = request.body;
      const result = await signIn.signIn({ login, password, companyId, ip: request.ip });
      setSessionCookie(request, reply, result.token);
      return sessionDto(result.user, result.csrfToken);
    },
  );

  app.get(
    '/session',
    {
      schema: {
        tags: ['session'],
        summary: 'The signed-in person and the CSRF token of the session',
        security: [{ session: [] }],
        response: { 200: SessionSchema, ...errorResponses(401) },
      },
    },
    async (request) => {
      const user = await signedIn(request);
      return sessionDto({ ...user, id: user.userId }, user.csrfToken);
    },
  );

  app.delete(
    '/session',
    {
      schema: {
        tags: ['session'],
        summary: 'Sign out: the session ends and the cookie is cleared',
        description: 'Needs the header `x-csrf-token` like every change made with the cookie (403 `CSRF_REJECTED` without it).',
        security: [{ session: [] }],
        response: { 204: Type.Null({ description: 'Signed out.' }), ...errorResponses(401, 403) },
      },
    },
    async (request, reply) => {
      const user = await signedIn(request);
      checkCsrf(request, user);
      await sessions.delete(user.sessionId);
      clearSessionCookie(request, reply);
      return reply.status(204).send(null);
    },
  );
};
