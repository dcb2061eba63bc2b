import { ERRORS, errorDetail, errorType, LANGUAGES, type ErrorCode, type Language, type Problem } from '@majlis/protocol';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AppError, type FieldError } from './problem.js';

/** The language for `detail`, from Accept-Language (en, ar, fa; English otherwise). */
export function languageOf(request: FastifyRequest): Language {
  const best = request.language([...LANGUAGES]);
  return typeof best === 'string' ? (best as Language) : 'en';
}

/** Renders an AppError as RFC 9457 problem+json in the caller's language. */
export function sendProblem(request: FastifyRequest, reply: FastifyReply, error: AppError): FastifyReply {
  const def = ERRORS[error.code];
  const body: Problem = {
    type: errorType(error.code),
    title: def.title,
    status: def.status,
    detail: errorDetail(error.code, languageOf(request), error.params),
    code: error.code,
  };
  if (error.extra.errors) {
    body.errors = error.extra.errors;
  }
  if (error.extra.headers) {
    reply.headers(error.extra.headers);
  }
  return reply.status(def.status).type('application/problem+json; charset=utf-8').serializer(JSON.stringify).send(body);
}

// Fastify's and its plugins' own error codes, mapped onto the catalog.
const FASTIFY_CODES: Record<string, ErrorCode> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'payload_too_large',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'unsupported_media_type',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'invalid_json',
  FST_ERR_CTP_INVALID_JSON_BODY: 'invalid_json',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'bad_request',
  FST_ERR_CTP_EMPTY_TYPE: 'unsupported_media_type',
  FST_ERR_CTP_INVALID_TYPE: 'unsupported_media_type',
  FST_REQ_FILE_TOO_LARGE: 'file_too_large',
  FST_PARTS_LIMIT: 'payload_too_large',
  FST_FILES_LIMIT: 'payload_too_large',
  FST_FIELDS_LIMIT: 'payload_too_large',
  FST_PROTO_VIOLATION: 'bad_request',
  FST_INVALID_MULTIPART_CONTENT_TYPE: 'unsupported_media_type',
  FST_INVALID_JSON_FIELD_ERROR: 'invalid_json',
};

const BY_STATUS: Record<number, ErrorCode> = {
  400: 'bad_request',
  401: 'not_authenticated',
  403: 'forbidden',
  404: 'not_found',
  413: 'payload_too_large',
  415: 'unsupported_media_type',
  429: 'rate_limited',
};

function fieldErrors(error: FastifyError): FieldError[] {
  return (error.validation ?? []).map((v) => {
    const missing = (v.params as { missingProperty?: string } | undefined)?.missingProperty;
    const path = `${v.instancePath ?? ''}${missing ? `/${missing}` : ''}`.replace(/^\//, '').replace(/\//g, '.');
    const where = error.validationContext && error.validationContext !== 'body' ? `${error.validationContext}.` : '';
    return { field: `${where}${path}` || error.validationContext || 'body', message: v.message ?? 'is invalid' };
  });
}

/** Turns anything thrown while handling a request into an AppError; null means "our bug". */
export function toAppError(error: FastifyError | AppError, limits: { bodyLimit: number; uploadLimit: number }): AppError | null {
  if (error instanceof AppError) {
    return error;
  }
  if (error.validation) {
    return new AppError('validation_failed', {}, { errors: fieldErrors(error) });
  }
  const mapped = (error.code && FASTIFY_CODES[error.code]) || undefined;
  if (mapped === 'payload_too_large') {
    return new AppError(mapped, { limit: limits.bodyLimit });
  }
  if (mapped === 'file_too_large') {
    return new AppError(mapped, { limit: limits.uploadLimit });
  }
  if (mapped === 'unsupported_media_type') {
    return new AppError(mapped, { type: 'of this request' });
  }
  if (mapped) {
    return new AppError(mapped);
  }
  const status = error.statusCode ?? 500;
  if (status >= 400 && status < 500) {
    return new AppError(BY_STATUS[status] ?? 'bad_request', { seconds: 60, limit: limits.bodyLimit, type: 'of this request' });
  }
  return null;
}

/** Installs problem+json rendering for every error and for unknown routes. */
export function installErrorHandling(app: FastifyInstance, limits: { bodyLimit: number; uploadLimit: number }): void {
  app.setErrorHandler((error: FastifyError | AppError, request, reply) => {
    const appError = toAppError(error, limits);
    if (appError) {
      if (appError.code === 'unsupported_media_type' && request.headers['content-type']) {
        return sendProblem(request, reply, new AppError('unsupported_media_type', { type: request.headers['content-type'].split(';')[0] ?? '' }));
      }
      return sendProblem(request, reply, appError);
    }
    request.log.error({ err: error }, 'unhandled error');
    return sendProblem(request, reply, new AppError('internal_error'));
  });
  app.setNotFoundHandler((request, reply) => sendProblem(request, reply, new AppError('not_found')));
}
