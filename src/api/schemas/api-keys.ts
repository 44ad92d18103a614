import { Type, type Static } from '@sinclair/typebox';
import { ROLES } from '../../domain/roles';
import { SerialIdSchema, StringEnum } from './common';

const RoleSchema = StringEnum(ROLES);

export const ApiKeySchema = Type.Object({
  id: Type.Integer(),
  name: Type.String(),
  roles: Type.Array(Type.String()),
  createdAt: Type.String({ format: 'date-time' }),
  revokedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
});
export type ApiKeyDto = Static<typeof ApiKeySchema>;

export const ApiKeyListSchema = Type.Object({ items: Type.Array(ApiKeySchema) });

export const ApiKeyInputSchema = Type.Object(
  { name: Type.String({ minLength: 1, maxLength: 200 }), roles: Type.Array(RoleSchema, { minItems: 1, uniqueItems: true }) },
  { additionalProperties: false },
);
export type ApiKeyInput = Static<typeof ApiKeyInputSchema>;

export const ApiKeyCreatedSchema = Type.Object({ id: Type.Integer(), name: Type.String(), roles: Type.Array(Type.String()), key: Type.String() });

export const ApiKeyParamsSchema = Type.Object({ id: SerialIdSchema() });

/** A revoked key's answer is empty. */
export const ApiKeyRevokedSchema = Type.Null();
