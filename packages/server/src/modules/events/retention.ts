import type { FastifyBaseLogger } from 'fastify';
import type { Clock } from '../../lib/clock.js';
import type { EventsRepo } from './events.repo.js';

const EVERY_MS = 60 * 60_000;

/** Prunes the event log past EVENT_RETENTION now and hourly; returns a stop function. */
export function startEventPruning(repo: EventsRepo, retentionMs: number, clock: Clock, log: FastifyBaseLogger): () => void {
  const prune = () => {
    repo.prune(clock.now() - retentionMs).then(
      (n) => n > 0 && log.info({ pruned: n }, 'pruned old events'),
      (error: unknown) => log.warn({ err: error }, 'event pruning failed'),
    );
  };
  prune();
  const timer = setInterval(prune, EVERY_MS);
  timer.unref();
  return () => clearInterval(timer);
}
