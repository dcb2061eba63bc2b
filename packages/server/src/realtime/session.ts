import type { Language } from '@majlis/protocol';
import type { FastifyBaseLogger } from 'fastify';
import { AppError } from '../http/problem.js';
import { COMMANDS, type CommandDeps, errorFrame, type Frame } from './commands.js';
import type { Connection } from './connection.js';
import type { Hub } from './hub.js';
import type { Replayer } from './replay.js';
import { CLOSE } from './wire.js';

// Live events wait this long after connecting, so a client that resumes at once gets the log
// first and the live stream after it, with nothing in between lost or doubled.
const HOLD_MS = 300;
const RATE = { perSecond: 20, burst: 40, strikes: 5 };

interface State {
  tokens: number;
  refilledAt: number;
  strikes: number;
  hold: NodeJS.Timeout | null;
  lang: Language;
  queue: Promise<void>;
}

/**
 * A connection's life, whatever the transport: open (register, hold, optional resume), frames
 * (rate-limited, dispatched to COMMANDS, one at a time and in order), close (unregister).
 */
export class Sessions {
  private readonly states = new WeakMap<Connection, State>();
  constructor(
    private readonly hub: Hub,
    private readonly replayer: Replayer,
    private readonly commands: CommandDeps,
    private readonly log: FastifyBaseLogger,
  ) {}

  async open(conn: Connection, opts: { cursor?: number | null; lang: Language }): Promise<void> {
    conn.buffer = [];
    const state: State = { tokens: RATE.burst, refilledAt: Date.now(), strikes: 0, hold: null, lang: opts.lang, queue: Promise.resolve() };
    this.states.set(conn, state);
    const cursor = opts.cursor ?? null;
    // Frames wait for registration (a command must see the connection's chats) and for a resume
    // asked for in the URL (a frame must not release live events in the middle of its replay).
    const ready = this.hub.add(conn).then(async () => {
      if (cursor === null) {
        state.hold = setTimeout(() => this.release(conn), HOLD_MS);
        state.hold.unref();
      } else if (!(await this.replayer.resume(conn, { cursor }))) {
        conn.sendObject('reset', { reason: 'the event log no longer reaches back to that point: reload by REST' });
      }
    });
    state.queue = ready.catch(() => {});
    await ready;
  }

  /** Stops holding live events (no resume came, or another frame came first). */
  private release(conn: Connection): void {
    const state = this.states.get(conn);
    if (state?.hold) {
      clearTimeout(state.hold);
      state.hold = null;
    }
    if (conn.buffer) {
      this.replayer.goLive(conn);
    }
  }

  private allow(state: State): boolean {
    const now = Date.now();
    state.tokens = Math.min(RATE.burst, state.tokens + ((now - state.refilledAt) / 1000) * RATE.perSecond);
    state.refilledAt = now;
    if (state.tokens >= RATE.burst) {
      // A client that backed off until its bucket refilled is forgiven its earlier excess.
      state.strikes = 0;
    }
    if (state.tokens < 1) {
      return false;
    }
    state.tokens -= 1;
    return true;
  }

  /** Handles one client frame (raw text or an already-decoded object). */
  frame(conn: Connection, raw: unknown): void {
    const state = this.states.get(conn);
    if (!state) {
      return;
    }
    if (!this.allow(state)) {
      state.strikes += 1;
      conn.sendObject('error', errorFrame(new AppError('rate_limited', { seconds: 1 }), state.lang));
      if (state.strikes >= RATE.strikes) {
        conn.close(CLOSE.policy, 'too many frames');
      }
      return;
    }
    let frame: Frame;
    try {
      const value = typeof raw === 'string' ? JSON.parse(raw) : raw;
      if (!value || typeof value !== 'object' || Array.isArray(value) || typeof (value as Frame).type !== 'string') {
        throw new Error('not a frame');
      }
      frame = value as Frame;
    } catch {
      conn.sendObject('error', errorFrame(new AppError('invalid_json'), state.lang));
      return;
    }
    const handler = COMMANDS[frame.type];
    if (!handler) {
      conn.sendObject('error', errorFrame(new AppError('bad_request'), state.lang));
      return;
    }
    // One frame at a time per connection: a send and then a read arrive, and happen, in order.
    // The hold ends in turn too: a frame that follows a resume must not release live events
    // while that resume is still replaying (they would go out before, and again with, the replay).
    state.queue = state.queue.then(() => {
      if (frame.type !== 'resume') {
        this.release(conn);
      } else if (state.hold) {
        clearTimeout(state.hold);
        state.hold = null;
      }
      return handler(conn, frame, this.commands, state.lang).catch((error: unknown) => {
        if (!(error instanceof AppError)) {
          this.log.error({ err: error }, 'realtime command failed');
        }
        conn.sendObject('error', errorFrame(error, state.lang, typeof frame.client_id === 'string' ? frame.client_id : undefined));
      });
    });
  }

  /** Unregisters a connection (idempotent); never throws: it runs from socket close events. */
  async close(conn: Connection): Promise<void> {
    const state = this.states.get(conn);
    if (state?.hold) {
      clearTimeout(state.hold);
      state.hold = null;
    }
    try {
      await this.hub.remove(conn);
      if (this.hub.connectionsOf(conn.auth.id).size === 0) {
        this.commands.typing.stopUser(conn.auth.id);
      }
    } catch (error) {
      this.log.warn({ err: error, conn: conn.id }, 'unregistering a real-time connection failed');
    }
  }
}
