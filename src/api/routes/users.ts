import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Db } from '../../db/client';
import { createUsersService } from '../../services/users';
import { changeActorOf } from '../plugins/auth';
import { errorResponses } from '../schemas/common';
import { toUserDto, UserInputSchema, UserListSchema, UserParamsSchema, UserPatchSchema, UserSchema } from '../schemas/users';

/** The people who sign in to the console (R20); passwords and their hashes are never returned. */
export const usersRoutes: FastifyPluginAsyncTypebox<{ db: Db }> = async (app, { db }) => {
  const users = createUsersService(db);

  app.get(
    '/users',
    {
      config: { role: 'settings:admin' },
      schema: {
        tags: ['access'],
        summary: "The company's users",
        response: { 200: UserListSchema, ...errorResponses(401, 403) },
      },
    },
    async (request) => ({ items: (await users.list(request.auth.companyId)).map(toUserDto) }),
  );

  app.post(
    '/users',
    {
      config: { role: 'settings:admin' },
      schema: {
        tags: ['access'],
        summary: 'Create a user who signs in with a login and password',
        description: 'The login is stored in lower case and is unique within the company (409 when taken). Recorded in the configuration history without the password.',
        body: UserInputSchema,
        response: { 201: UserSchema, ...errorResponses(400, 401, 403, 409, 422) },
      },
    },
    async (request, reply) => {
      const created = await users.create(request.auth.companyId, request.body, changeActorOf(request));
      return reply.status(201).send(toUserDto(created));
    },
  );

  app.patch(
    '/users/:id',
    {
      config: { role: 'settings:admin' },
      schema: {
        tags: ['access'],
        summary: 'Change a user: name, roles, active, password, manager',
        description:
          'Deactivating a user or setting a new password ends their sessions (the caller keeps its own). 409 for deactivating ' +
          'yourself, taking settings:admin from yourself, or taking it from the last active user or key that has it.',
        params: UserParamsSchema,
        body: UserPatchSchema,
        response: { 200: UserSchema, ...errorResponses(400, 401, 403, 404, 409, 422) },
      },
    },
    async (request) => toUserDto(await users.update(request.auth.companyId, request.params.id, request.body, changeActorOf(request))),
  );
};
