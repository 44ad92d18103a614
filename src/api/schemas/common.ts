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

/**
 * The one length limit of identifiers chosen by callers (event ids, counterparty
 * and manager ids), in characters: every body field, path parameter and filter
 * that takes such an id uses it, so whatever is accepted can be read back.
 */
export const ID_MAX_LENGTH = 200;

/**
 * The router's limit for one path segment, decoded, in UTF-16 units. Longer
 * segments answer 414; anything up to it reaches the schema, which names the
 * field with a 400. A path parameter's schema allows at most 256 code points
 * (the Telegram webhook's secret), up to 512 units: the limit leaves room for
 * values a few times over that, so a segment somewhat too long gets the 400
 * that says which field, and only one far beyond any id gets the 414.
 */
export const PATH_PARAM_MAX_LENGTH = 2048;

/** A caller's identifier of an event: any text of 1 to `ID_MAX_LENGTH` characters. */
export const EventIdSchema = Type.String({ minLength: 1, maxLength: ID_MAX_LENGTH });

/** Identifiers chosen by callers for configuration: readable, URL-safe, no surprises in logs. */
export const IdSchema = Type.String({ minLength: 1, maxLength: ID_MAX_LENGTH, pattern: '^[^\\s/\\u0000]+$' });

/**
 * Ids the database numbers (bigserial): at most 2^53 - 1, the largest integer a
 * JavaScript number holds exactly and well inside PostgreSQL's 64-bit range.
 */
export const SerialIdSchema = (options: { description?: string } = {}) =>
  Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER, ...options });
export const EventTypeNameSchema = Type.String({ minLength: 1, maxLength: 100, pattern: '^[a-z0-9][a-z0-9_.:-]*$' });

export const EmailSchema = Type.String({ format: 'email', maxLength: 254 });

/** A MIME type with optional parameters, e.g. `text/plain; charset=utf-8`: it becomes a mail header, so no CR, LF or other controls. */
export const ContentTypeSchema = (options: { default?: string } = {}) =>
  Type.String({
    minLength: 1,
    maxLength: 100,
    pattern: '^[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]*/[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]*( *; *[A-Za-z0-9!#$&^_.+-]+=("[^"\\u0000-\\u001f\\u007f]*"|[A-Za-z0-9!#$&^_.+-]+))* *$',
    description: 'A MIME type, e.g. text/plain; charset=utf-8.',
    ...options,
  });
