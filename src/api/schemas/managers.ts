import { Type, type Static } from '@sinclair/typebox';
import { EmailSchema, IdSchema } from './common';

export const ManagerSchema = Type.Object({
  id: Type.String(),
  name: Type.String(),
  email: Type.Union([Type.String(), Type.Null()]),
  phone: Type.Union([Type.String(), Type.Null()]),
  telegramChatId: Type.Union([Type.String(), Type.Null()]),
});
export type ManagerDto = Static<typeof ManagerSchema>;

export const ManagerListSchema = Type.Object({ items: Type.Array(ManagerSchema) });

export const ManagerInputSchema = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 200 }),
    email: Type.Optional(Type.Union([EmailSchema, Type.Null()])),
    phone: Type.Optional(Type.Union([Type.String({ minLength: 4, maxLength: 32 }), Type.Null()])),
    telegramChatId: Type.Optional(Type.Union([Type.String({ pattern: '^-?\\d{1,20}$' }), Type.Null()])),
  },
  { additionalProperties: false },
);
export type ManagerInput = Static<typeof ManagerInputSchema>;

export const ManagerParamsSchema = Type.Object({ id: IdSchema });
