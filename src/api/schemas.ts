import { Type, type TSchema, type TUnsafe } from '@sinclair/typebox';

/**
 * A string that is one of `values`: one `enum` keyword, so a bad value gets
 * one clear error ("must be equal to one of the allowed values") instead of
 * one per alternative of a union.
 */
export function StringEnum<const T extends readonly string[]>(
  values: T,
  options: { description?: string } = {},
): TUnsafe<T[number]> {
  return Type.Unsafe<T[number]>({ type: 'string', enum: [...values], ...options });
}

export const ErrorSchema = Type.Object(
  {
    error: Type.Object({
      code: Type.String(),
      message: Type.String(),
      details: Type.Array(Type.Object({ path: Type.String(), message: Type.String() })),
    }),
  },
  { $id: 'Error', description: 'Every error answer has this shape.' },
);

/** The error answers a route can give, for its OpenAPI entry. */
export function errorResponses(...codes: number[]): Record<number, TSchema> {
  return Object.fromEntries(codes.map((code) => [code, Type.Ref(ErrorSchema)]));
}
