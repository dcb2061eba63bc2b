import { Problem } from '@majlis/protocol';
import { Type, type TSchema } from 'typebox';

/** Response schemas for the error statuses a route can answer (problem+json), for the OpenAPI document. */
export function problems(...statuses: number[]): Record<number, typeof Problem> {
  return Object.fromEntries(statuses.map((s) => [s, Problem]));
}


/**
 * A body that may be left out entirely: Fastify validates a missing body as null, so accept null
 * too (clients of the seeds POST with no body at all).
 */
export function optionalBody<T extends TSchema>(schema: T) {
  return Type.Union([schema, Type.Null()]);
}
