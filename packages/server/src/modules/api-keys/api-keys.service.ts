import type { ApiKey, ApiKeyCreated } from '@majlis/protocol';
import type { Clock } from '../../lib/clock.js';
import { sha256 } from '../../lib/hash.js';
import { newId, newSecret } from '../../lib/ids.js';
import { iso } from '../../lib/time.js';
import { AppError } from '../../http/problem.js';
import type { ApiKeyRow, ApiKeysRepo } from './api-keys.repo.js';

const TOUCH_EVERY_MS = 60_000;

function view(row: ApiKeyRow): ApiKey {
  return {
    id: row.id,
    name: row.name,
    prefix: row.prefix,
    created_by: row.created_by,
    created_at: iso(row.created_at),
    last_used_at: iso(row.last_used_at),
    revoked_at: iso(row.revoked_at),
  };
}

/** Application API keys (isht seed): created by admins, shown once, stored as hashes. */
export class ApiKeysService {
  constructor(
    private readonly repo: ApiKeysRepo,
    private readonly clock: Clock,
  ) {}

  async create(name: string, createdBy: string | null): Promise<ApiKeyCreated> {
    const key = newSecret('mjk_');
    const row: ApiKeyRow = {
      id: newId(),
      name: name.trim(),
      key_hash: sha256(key),
      prefix: key.slice(0, 10),
      created_by: createdBy,
      created_at: this.clock.now(),
      last_used_at: null,
      revoked_at: null,
    };
    await this.repo.insert(row);
    return { ...view(row), key };
  }

  async list(): Promise<ApiKey[]> {
    return (await this.repo.list()).map(view);
  }

  async revoke(id: string): Promise<ApiKey> {
    const row = await this.repo.findById(id);
    if (!row) {
      throw new AppError('api_key_not_found');
    }
    await this.repo.revoke(id, this.clock.now());
    return view({ ...row, revoked_at: row.revoked_at ?? this.clock.now() });
  }

  /** True if `key` is an active key (its last use is recorded, at most once a minute). */
  async verify(key: string): Promise<boolean> {
    const row = await this.repo.findActiveByHash(sha256(key));
    if (!row) {
      return false;
    }
    const now = this.clock.now();
    if (row.last_used_at === null || now - row.last_used_at > TOUCH_EVERY_MS) {
      await this.repo.touch(row.id, now);
    }
    return true;
  }
}
