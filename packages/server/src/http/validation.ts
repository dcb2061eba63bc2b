import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import type { FastifyInstance } from 'fastify';

/**
 * Two validators: query strings, paths and headers are text, so they are coerced ("20" → 20);
 * JSON bodies are not, so a wrong type is a 400 instead of being silently converted.
 */
export function installValidation(app: FastifyInstance): void {
  const base = { removeAdditional: false, useDefaults: true, allErrors: true, strict: false } as const;
  const coercing = addFormats.default(new Ajv.default({ ...base, coerceTypes: 'array' }));
  const strict = addFormats.default(new Ajv.default({ ...base, coerceTypes: false }));
  app.setValidatorCompiler(({ schema, httpPart }) => (httpPart === 'body' ? strict : coercing).compile(schema));
}
