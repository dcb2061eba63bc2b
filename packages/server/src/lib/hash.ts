import { createHash } from 'node:crypto';

/** SHA-256 hex of a high-entropy secret (tokens, API keys): enough for lookup, no salt needed. */
export function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}
