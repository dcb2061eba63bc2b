import { expect } from 'vitest';
import { problemMismatch, type Reply } from './client.js';

/** Expects an RFC 9457 problem+json reply with this status and code. */
export function expectProblem(reply: Reply, status: number, code: string): void {
  expect(problemMismatch(reply, status, code), reply.text).toBeNull();
  expect(typeof reply.body.detail).toBe('string');
  expect(reply.body.type).toBe(`urn:majlis:error:${code}`);
}
