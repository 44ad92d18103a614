import { Type, type Static } from '@sinclair/typebox';
import { ROLES } from '../../domain/roles';
import { PASSWORD_MIN_LENGTH } from '../../domain/sessions';
import { ID_MAX_LENGTH, IdSchema, SerialIdSchema, StringEnum } from './common';

const RoleSchema = StringEnum(ROLES);

/** Passwords are capped so that hashing one stays cheap. */
const PASSWORD_MAX_LENGTH = 512;

const LoginSchema = Type.String({
  minLength: 1,
  maxLength: 64,
  pattern: '^[A-Za-z0-9][A-Za-z0-9._@-]*$',
  description: 'Latin letters, digits and . _ @ -; stored and compared in lower case, unique within the company.',
});
const NameSchema = Type.String({ minLength: 1, maxLength: 200, description: 'The person\'s name as the journal shows it, e.g. «Иванова Анна».' });
const PasswordSchema = (description = `At least ${PASSWORD_MIN_LENGTH} characters; never returned.`) =>
  Type.String({ minLength: PASSWORD_MIN_LENGTH, maxLength: PASSWORD_MAX_LENGTH, description });
const ManagerIdSchema = Type.Union([IdSchema, Type.Null()], { description: 'The manager of the company this person is ("my clients"); null: none.' });

export const UserSchema = Type.Object({
  id: Type.Integer(),
  login: Type.String(),
  name: Type.String(),
  roles: Type.Array(RoleSchema),
  active: Type.Boolean(),
  managerId: Type.Union([Type.String(), Type.Null()]),
  createdAt: Type.String({ format: 'date-time' }),
  updatedAt: Type.String({ format: 'date-time' }),
});
export type UserDto = Static<typeof UserSchema>;

export const UserListSchema = Type.Object({ items: Type.Array(UserSchema) });

export const UserInputSchema = Type.Object(
  {
    login: LoginSchema,
    name: NameSchema,
    password: PasswordSchema(),
    roles: Type.Array(RoleSchema, { uniqueItems: true }),
    managerId: Type.Optional(ManagerIdSchema),
    active: Type.Optional(Type.Boolean({ default: true })),
  },
  { additionalProperties: false },
);

export const UserPatchSchema = Type.Object(
  {
    name: Type.Optional(NameSchema),
    roles: Type.Optional(Type.Array(RoleSchema, { uniqueItems: true })),
    active: Type.Optional(Type.Boolean({ description: 'false ends the user\'s sessions; nobody can deactivate themselves.' })),
    password: Type.Optional(PasswordSchema('A new password of at least 10 characters; ends the user\'s other sessions.')),
    managerId: Type.Optional(ManagerIdSchema),
  },
  { additionalProperties: false, minProperties: 1 },
);

export const UserParamsSchema = Type.Object({ id: SerialIdSchema() });

export const SignInSchema = Type.Object(
  {
    login: Type.String({ minLength: 1, maxLength: 200 }),
    password: Type.String({ minLength: 1, maxLength: PASSWORD_MAX_LENGTH }),
    companyId: Type.Optional(
      Type.String({ minLength: 1, maxLength: ID_MAX_LENGTH, description: 'Needed only when the login exists in several companies.' }),
    ),
  },
  { additionalProperties: false },
);

export const SessionUserSchema = Type.Object({
  id: Type.Integer(),
  login: Type.String(),
  name: Type.String(),
  roles: Type.Array(RoleSchema),
  managerId: Type.Union([Type.String(), Type.Null()]),
  companyId: Type.String(),
});

export const SessionSchema = Type.Object({
  user: SessionUserSchema,
  csrfToken: Type.String({ description: 'Send it as the header `x-csrf-token` with every request that is not GET, HEAD or OPTIONS.' }),
});
export type SessionDto = Static<typeof SessionSchema>;

export const toUserDto = (u: {
  id: number;
  login: string;
  name: string;
  roles: string[];
  active: boolean;
  managerId: string | null;
  createdAt: Date;
  updatedAt: Date;
}): UserDto => ({
  id: u.id,
  login: u.login,
  name: u.name,
  roles: u.roles as UserDto['roles'],
  active: u.active,
  managerId: u.managerId,
  createdAt: u.createdAt.toISOString(),
  updatedAt: u.updatedAt.toISOString(),
});
