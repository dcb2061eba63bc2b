import { Type, type Static, type TSchema } from 'typebox';

/** An opaque, time-sortable id (UUIDv7). Never a sequential integer. */
export const Id = Type.String({ minLength: 1, maxLength: 64, description: 'Opaque, time-sortable id (UUIDv7).', examples: ['01936d3c-7b1a-7c3e-9d52-3f6a1b2c4d5e'] });
/** ISO 8601 UTC timestamp with `Z`. */
export const Timestamp = Type.String({ format: 'date-time', description: 'ISO 8601 UTC, e.g. 2026-01-01T12:00:00.000Z' });

/** `T | null`, as JSON schema `anyOf`. */
export const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);

export const IdParams = Type.Object({ id: Id });
export type IdParams = Static<typeof IdParams>;

/** RFC 9457 problem details; `code` is a stable machine string from the error catalog. */
export const Problem = Type.Object(
  {
    type: Type.String({ description: 'URI naming the problem type: urn:majlis:error:<code>' }),
    title: Type.String(),
    status: Type.Integer(),
    detail: Type.String({ description: 'A human sentence in the language chosen by Accept-Language (en, ar, fa).' }),
    code: Type.String({ description: 'Stable machine-readable code (see docs/ERRORS.md).', examples: ['email_taken'] }),
    instance: Type.Optional(Type.String()),
    errors: Type.Optional(
      Type.Array(Type.Object({ field: Type.String(), message: Type.String() }), { description: 'Per-field problems (400 only).' }),
    ),
  },
  {
    description: 'application/problem+json (RFC 9457)',
    examples: [
      { type: 'urn:majlis:error:email_taken', title: 'Email taken', status: 409, detail: 'Email already registered', code: 'email_taken' },
      {
        type: 'urn:majlis:error:validation_failed',
        title: 'Validation failed',
        status: 400,
        detail: 'The request is not valid; see errors for each field.',
        code: 'validation_failed',
        errors: [{ field: 'email', message: 'must match format "email"' }],
      },
    ],
  },
);
export type Problem = Static<typeof Problem>;

/** `{status: "..."}` acknowledgements, as the FastAPI seed answers. */
export const StatusResponse = Type.Object({ status: Type.String() }, { examples: [{ status: 'updated' }] });
export type StatusResponse = Static<typeof StatusResponse>;

/** skip/limit paging as in the FastAPI seed. */
export const PageQuery = Type.Object({
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 50 })),
  skip: Type.Optional(Type.Integer({ minimum: 0, default: 0 })),
});
export type PageQuery = Static<typeof PageQuery>;
