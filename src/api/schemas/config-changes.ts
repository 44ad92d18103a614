import { Type, type Static } from '@sinclair/typebox';
import { CHANGE_ENTITIES } from '../../db/repositories/config-changes';
import { ID_MAX_LENGTH, SerialIdSchema, StringEnum } from './common';

export const ChangeSchema = Type.Object({
  id: Type.Integer(),
  actor: Type.String(),
  entity: Type.String(),
  entityId: Type.String(),
  action: Type.String(),
  before: Type.Unknown(),
  after: Type.Unknown(),
  at: Type.String({ format: 'date-time' }),
});
export type ChangeDto = Static<typeof ChangeSchema>;

export const ChangeQuerySchema = Type.Object({
  entity: Type.Optional(StringEnum(CHANGE_ENTITIES)),
  entityId: Type.Optional(Type.String({ maxLength: ID_MAX_LENGTH })),
  before: Type.Optional(SerialIdSchema({ description: 'Cursor: the id of the last change of the previous page.' })),
  // Optional in the document: a request without it gets the default (Ajv fills it in before the handler runs).
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 50 })),
});
export type ChangeQuery = Static<typeof ChangeQuerySchema>;

export const ChangePageSchema = Type.Object({ items: Type.Array(ChangeSchema), next: Type.Union([Type.Integer(), Type.Null()]) });
