import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Clock } from '../../lib/clock.js';

export type FileVariant = 'file' | 'thumb';

/**
 * Signed, expiring URLs for chat files: `/uploads/files/<id>[/thumb]?exp=<ms>&sig=<hmac>`. The
 * signature covers id, variant and expiry, so a URL cannot be re-pointed or extended, and an
 * `<img src>` works without headers. Expiry is rounded up to a bucket so URLs stay the same for a
 * while and browsers can cache them.
 */
export class FileUrls {
  private readonly key: Buffer;
  private readonly bucketMs: number;
  constructor(
    secret: string,
    private readonly ttlMs: number,
    private readonly clock: Clock,
  ) {
    // A key of its own, derived from the server secret: a file signature is never a token.
    this.key = createHmac('sha256', secret).update('majlis:file-urls:v1').digest();
    this.bucketMs = Math.max(1000, Math.min(Math.floor(ttlMs / 4), 600_000));
  }

  private signature(fileId: string, variant: FileVariant, exp: number): string {
    return createHmac('sha256', this.key).update(`${variant}:${fileId}:${exp}`).digest('base64url');
  }

  url(fileId: string, variant: FileVariant = 'file'): string {
    const exp = Math.ceil((this.clock.now() + this.ttlMs) / this.bucketMs) * this.bucketMs;
    const path = variant === 'thumb' ? `/uploads/files/${fileId}/thumb` : `/uploads/files/${fileId}`;
    return `${path}?exp=${exp}&sig=${this.signature(fileId, variant, exp)}`;
  }

  /** True when `sig` signs this file, variant and expiry, and the expiry has not passed. */
  verify(fileId: string, variant: FileVariant, exp: number, sig: string): boolean {
    if (!Number.isSafeInteger(exp) || exp < this.clock.now()) {
      return false;
    }
    const expected = Buffer.from(this.signature(fileId, variant, exp));
    const given = Buffer.from(sig);
    return expected.length === given.length && timingSafeEqual(expected, given);
  }
}
