import type { FastifyRequest } from 'fastify';
import type { TSchema } from 'typebox';
import { Value } from 'typebox/value';
import { AppError } from './problem.js';

export interface UploadedFile {
  field: string;
  filename: string;
  data: Buffer;
}

/** True when the request body is multipart/form-data. */
export function isMultipart(request: FastifyRequest): boolean {
  return (request.headers['content-type'] ?? '').toLowerCase().startsWith('multipart/form-data');
}

/**
 * Reads a multipart body into its text fields and at most one file (limits come from the
 * multipart plugin: over-size files throw 413), then converts and validates the fields with
 * `schema` exactly as a JSON body would be (400 with `errors` per field).
 */
export async function readMultipart<T>(request: FastifyRequest, schema: TSchema, fileFields: readonly string[]): Promise<{ fields: T; file: UploadedFile | null }> {
  const raw: Record<string, string> = {};
  let file: UploadedFile | null = null;
  for await (const part of request.parts()) {
    if (part.type === 'file') {
      const data = await part.toBuffer();
      if (fileFields.includes(part.fieldname) && data.length > 0) {
        file = { field: part.fieldname, filename: part.filename, data };
      }
    } else if (typeof part.value === 'string') {
      raw[part.fieldname] = part.value;
    }
  }
  const converted = Value.Convert(schema, raw);
  const errors = Value.Errors(schema, converted);
  if (errors.length > 0) {
    throw new AppError(
      'validation_failed',
      {},
      { errors: errors.map((e) => ({ field: e.instancePath.replace(/^\//, '').replace(/\//g, '.') || 'body', message: e.message })) },
    );
  }
  return { fields: converted as T, file };
}
