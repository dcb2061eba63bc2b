import type { Clock } from '../../lib/clock.js';

interface Entry {
  failures: number;
  lockedUntil: number;
  lastFailure: number;
}

const WINDOW_MS = 15 * 60_000;
const FIRST_LOCK_MS = 30_000;
const MAX_LOCK_MS = 15 * 60_000;

/**
 * Slows down password guessing: after `maxFailures` failed logins for one account (or 4x that
 * from one IP) within 15 minutes, further attempts are refused for 30 s, doubling with each
 * further failure up to 15 minutes. A success clears the account's count. In-process for now.
 */
export class LoginThrottle {
  private readonly entries = new Map<string, Entry>();
  constructor(
    private readonly maxFailures: number,
    private readonly clock: Clock,
  ) {}

  /** Seconds to wait before `account` may try again from `ip`; 0 when allowed. */
  retryAfter(account: string, ip: string): number {
    const now = this.clock.now();
    const wait = Math.max(this.lockLeft(`a:${account}`, now), this.lockLeft(`i:${ip}`, now));
    return Math.ceil(wait / 1000);
  }

  recordFailure(account: string, ip: string): void {
    this.fail(`a:${account}`, this.maxFailures);
    this.fail(`i:${ip}`, this.maxFailures * 4);
  }

  recordSuccess(account: string): void {
    this.entries.delete(`a:${account}`);
  }

  private lockLeft(key: string, now: number): number {
    const entry = this.entries.get(key);
    if (!entry) {
      return 0;
    }
    if (now - entry.lastFailure > WINDOW_MS && now >= entry.lockedUntil) {
      this.entries.delete(key);
      return 0;
    }
    return Math.max(0, entry.lockedUntil - now);
  }

  private fail(key: string, limit: number): void {
    const now = this.clock.now();
    this.lockLeft(key, now);
    const entry = this.entries.get(key) ?? { failures: 0, lockedUntil: 0, lastFailure: now };
    entry.failures += 1;
    entry.lastFailure = now;
    if (entry.failures >= limit) {
      const lock = Math.min(MAX_LOCK_MS, FIRST_LOCK_MS * 2 ** (entry.failures - limit));
      entry.lockedUntil = now + lock;
    }
    this.entries.set(key, entry);
    this.prune(now);
  }

  // Bounded memory: drop stale entries once the map grows.
  private prune(now: number): void {
    if (this.entries.size < 10_000) {
      return;
    }
    for (const [key, entry] of this.entries) {
      if (now - entry.lastFailure > WINDOW_MS && now >= entry.lockedUntil) {
        this.entries.delete(key);
      }
    }
  }
}
