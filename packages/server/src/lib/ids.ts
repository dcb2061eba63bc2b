import { randomBytes } from 'node:crypto';
import { v7 as uuidv7 } from 'uuid';

/** A new opaque, time-sortable id (UUIDv7). */
export function newId(): string {
  return uuidv7();
}

/** A random secret with a readable prefix (`mjr_` refresh, `mjs_` session, `mjk_` API key). */
export function newSecret(prefix: string): string {
  return `${prefix}${randomBytes(32).toString('base64url')}`;
}
