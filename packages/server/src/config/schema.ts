import { boolean, bytes, duration, integer, list, oneOf, text, type Field } from './fields.js';

/**
 * Every configuration variable Majlis reads, with its default and meaning. This record is the
 * single source of the README's configuration table (`majlis config doc`).
 */
export const CONFIG_FIELDS = {
  PORT: integer(0, 65535, 8009, 'TCP port for HTTP, WebSocket and Socket.io.'),
  HOST: text('0.0.0.0', 'Interface to listen on (`127.0.0.1` for this machine only).'),
  DATA_DIR: text('./data', 'Where the SQLite database, uploads and generated secrets live.'),
  DATABASE_URL: text(
    '',
    'Empty: SQLite at `DATA_DIR/majlis.db`. `sqlite:/path/file.db` for another SQLite file, `postgres://user@host:5432/db` for PostgreSQL.',
    (v) => (v === '' || /^(sqlite:|postgres:\/\/|postgresql:\/\/)/.test(v) ? null : 'must be empty, sqlite:<path> or postgres://...'),
  ),
  DATABASE_POOL_SIZE: integer(1, 200, 10, 'PostgreSQL connection pool size per process.'),
  REDIS_URL: text(
    '',
    'Redis for running several processes as one cluster. Not used yet: this version keeps events, presence and limits in-process.',
    (v) => (v === '' || /^rediss?:\/\//.test(v) ? null : 'must be empty or redis://...'),
  ),
  JWT_SECRET: text(
    '',
    'HMAC secret for access tokens (at least 32 characters). Empty: generated once into `DATA_DIR/jwt-secret`. Nodes of a cluster must share one.',
    (v) => (v === '' || v.length >= 32 ? null : 'must be at least 32 characters (or empty to generate one)'),
  ),
  ACCESS_TOKEN_TTL: duration('24h', 'Lifetime of an access token (as in the FastAPI seed).', 10_000),
  REFRESH_TOKEN_TTL: duration('30d', 'A session ends when unused for this long; each refresh extends it.', 60_000),
  FILE_URL_TTL: duration('1h', 'Lifetime of signed file URLs (chat files).'),
  MAX_UPLOAD_BYTES: bytes('10MB', 'Largest accepted upload (profile images, chat files); larger gets 413.'),
  BODY_LIMIT_BYTES: bytes('1MB', 'Largest accepted JSON body; larger gets 413.'),
  RATE_LIMIT_PER_MINUTE: integer(1, 1_000_000, 100, 'Requests per minute per user (per IP before login).'),
  AUTH_RATE_LIMIT_PER_MINUTE: integer(1, 1_000_000, 10, 'Requests per minute per IP to login, register and refresh.'),
  LOGIN_MAX_FAILURES: integer(1, 1000, 5, 'Failed logins for one account (4x that for one IP) before further attempts are refused for a growing time (30 s, doubling, at most 15 min).'),
  API_KEY_REQUIRED: boolean(false, 'When true, every `/api` and `/ws` request needs `X-API-Key` of an active key.'),
  ADMIN_EMAILS: list('', 'Comma-separated emails that get the admin role when they register or log in.', (e) =>
    e.includes('@') ? null : `"${e}" is not an email`,
  ),
  CORS_ORIGINS: list('*', '`*` or a comma-separated list of allowed browser origins (tokens travel in headers, not cookies).'),
  TRUST_PROXY: text('false', '`true` behind a reverse proxy (use X-Forwarded-For for client IPs), or a comma list of proxy addresses.'),
  EVENT_RETENTION: duration('30d', 'How long the event log keeps events for resuming clients; older cursors get `reset`.'),
  LOG_LEVEL: oneOf(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const, 'info', 'Log level (pino).'),
} as const satisfies Record<string, Field<unknown>>;

type Fields = typeof CONFIG_FIELDS;
type ValueOf<F> = F extends Field<infer T> ? T : never;

/** The validated, immutable configuration. */
export type Config = { readonly [K in keyof Fields]: ValueOf<Fields[K]> };
