import { Type, type TSchema, type TUnsafe } from '@sinclair/typebox';

/**
 * A string that is one of `values`: one `enum` keyword, so a bad value gets
 * one clear error ("must be one of ...") instead of one per alternative of a union.
 */
export function StringEnum<const T extends readonly string[]>(
  values: T,
  options: { description?: string; default?: T[number] } = {},
): TUnsafe<T[number]> {
  return Type.Unsafe<T[number]>({ type: 'string', enum: [...values], ...options });
}

export const ErrorSchema = Type.Object(
  {
    error: Type.Object({
      code: Type.String(),
      message: Type.String(),
      details: Type.Array(
        Type.Object({
          path: Type.String(),
          message: Type.String(),
          line: Type.Optional(Type.Integer()),
          column: Type.Optional(Type.Integer()),
        }),
      ),
    }),
  },
  { $id: 'Error', description: 'Every error answer has this shape.' },
);

/** The error answers a route can give, for its OpenAPI entry. */
export function errorResponses(...codes: number[]): Record<number, TSchema> {
  return Object.fromEntries(codes.map((code) => [code, Type.Ref(ErrorSchema)]));
}

export const ChannelSchema = StringEnum(['email', 'sms', 'telegram']);
export const AudienceSchema = StringEnum(['client', 'manager']);

/** Identifiers chosen by callers: readable, URL-safe, no surprises in logs. */
export const IdSchema = Type.String({ minLength: 1, maxLength: 200, pattern: '^[^\\s/\\u0000]+$' });
export const EventTypeNameSchema = Type.String({ minLength: 1, maxLength: 100, pattern: '^[a-z0-9][a-z0-9_.:-]*$' });

export const EmailSchema = Type.String({ format: 'email', maxLength: 254 });
