import type { ErrorCode } from '@majlis/protocol';

/** One field problem of a 400 (`errors` of the problem document). */
export interface FieldError {
  field: string;
  message: string;
}

/** Codes the SDK itself reports, next to the server's catalog (docs/ERRORS.md). */
export type ClientErrorCode = 'network_error' | 'http_error' | 'connection_closed' | 'timeout';

export interface MajlisErrorInit {
  status: number;
  code: ErrorCode | ClientErrorCode | (string & {});
  detail: string;
  title?: string | undefined;
  type?: string | undefined;
  errors?: FieldError[] | undefined;
  retryAfter?: number | undefined;
}

/**
 * Every failure the SDK reports: an RFC 9457 problem from the server (HTTP or a WebSocket
 * `error` frame) or a client-side one (`status` 0: network_error, connection_closed, timeout).
 * Switch on `code`, show `detail` (already in the Accept-Language the client asked for).
 */
export class MajlisError extends Error {
  readonly status: number;
  readonly code: ErrorCode | ClientErrorCode | (string & {});
  readonly detail: string;
  readonly title: string | undefined;
  readonly type: string | undefined;
  readonly errors: FieldError[] | undefined;
  /** Seconds from `Retry-After` (429, 503), when the server sent it. */
  readonly retryAfter: number | undefined;

  constructor(init: MajlisErrorInit, options?: { cause?: unknown }) {
    super(`${init.code}: ${init.detail}`, options);
    this.name = 'MajlisError';
    this.status = init.status;
    this.code = init.code;
    this.detail = init.detail;
    this.title = init.title;
    this.type = init.type;
    this.errors = init.errors;
    this.retryAfter = init.retryAfter;
  }
}

/** `fetch` or anything with its signature (a test double, a fetch with a proxy agent). */
export type FetchFn = typeof fetch;

type Scalar = string | number | boolean;

export interface RequestSpec {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** Path under the base URL, already escaped (see `path`). */
  path: string;
  query?: Record<string, Scalar | null | undefined> | undefined;
  /** A JSON body. */
  json?: unknown;
  /** A multipart/form-data body (the platform sets the boundary). */
  form?: FormData | undefined;
  /** The access token, sent as `Authorization: Bearer`. */
  token?: string | null | undefined;
  headers?: Record<string, string> | undefined;
  signal?: AbortSignal | undefined;
}

export interface HttpOptions {
  baseUrl: string;
  fetch?: FetchFn | undefined;
  /** Sent with every request: `X-API-Key` when the server requires one, `Accept-Language` for `detail`. */
  headers?: Record<string, string> | undefined;
}

/** A path with every interpolated value escaped as one segment: path`/api/chats/${id}`. */
export function path(strings: TemplateStringsArray, ...values: Array<string | number>): string {
  let out = strings[0] ?? '';
  values.forEach((value, i) => {
    out += encodeURIComponent(String(value)) + (strings[i + 1] ?? '');
  });
  return out;
}

function retryAfterOf(res: Response): number | undefined {
  const value = res.headers.get('retry-after');
  if (value === null) {
    return undefined;
  }
  const seconds = Number(value);
  return Number.isFinite(seconds) ? seconds : undefined;
}

async function readBody(res: Response): Promise<unknown> {
  const text = await res.text();
  if (text === '') {
    return undefined;
  }
  const type = res.headers.get('content-type') ?? '';
  if (type.includes('json')) {
    try {
      return JSON.parse(text) as unknown;
    } catch {
      return text;
    }
  }
  return text;
}

/** Turns a non-2xx answer into a MajlisError, from its problem+json when it has one. */
function toError(res: Response, body: unknown): MajlisError {
  const retryAfter = retryAfterOf(res);
  if (body && typeof body === 'object' && typeof (body as { code?: unknown }).code === 'string') {
    const p = body as { code: string; detail?: unknown; title?: unknown; type?: unknown; errors?: unknown };
    return new MajlisError({
      status: res.status,
      code: p.code,
      detail: typeof p.detail === 'string' ? p.detail : res.statusText,
      title: typeof p.title === 'string' ? p.title : undefined,
      type: typeof p.type === 'string' ? p.type : undefined,
      errors: Array.isArray(p.errors) ? (p.errors as FieldError[]) : undefined,
      retryAfter,
    });
  }
  return new MajlisError({
    status: res.status,
    code: 'http_error',
    detail: typeof body === 'string' && body !== '' ? body.slice(0, 500) : res.statusText,
    retryAfter,
  });
}

/**
 * The request helper under every REST call: JSON or multipart in, JSON out, problem+json turned
 * into a thrown MajlisError. It knows nothing of tokens beyond sending the one it is given.
 */
export class Http {
  readonly baseUrl: string;
  private readonly fetchFn: FetchFn;
  private readonly headers: Record<string, string>;

  constructor(options: HttpOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    // Bound: a browser's fetch throws "Illegal invocation" when called as a method of another object.
    this.fetchFn = options.fetch ?? globalThis.fetch.bind(globalThis);
    this.headers = { ...(options.headers ?? {}) };
  }

  /** The absolute URL of a path and query. */
  url(pathname: string, query?: RequestSpec['query']): string {
    const params = new URLSearchParams();
    for (const [key, value] of Object.entries(query ?? {})) {
      if (value !== undefined && value !== null) {
        params.set(key, String(value));
      }
    }
    const qs = params.toString();
    return `${this.baseUrl}${pathname}${qs ? `?${qs}` : ''}`;
  }

  /** Sends one request and returns the parsed body, or throws a MajlisError. */
  async request<T>(spec: RequestSpec): Promise<T> {
    const headers: Record<string, string> = { accept: 'application/json, application/problem+json', ...this.headers, ...(spec.headers ?? {}) };
    if (spec.token) {
      headers.authorization = `Bearer ${spec.token}`;
    }
    let body: string | FormData | undefined;
    if (spec.form) {
      body = spec.form;
    } else if (spec.json !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(spec.json);
    }
    let res: Response;
    try {
      res = await this.fetchFn(this.url(spec.path, spec.query), { method: spec.method, headers, body, signal: spec.signal ?? null });
    } catch (error) {
      if ((error as { name?: string } | null)?.name === 'AbortError') {
        throw error;
      }
      throw new MajlisError(
        { status: 0, code: 'network_error', detail: `The server could not be reached: ${(error as Error)?.message ?? String(error)}` },
        { cause: error },
      );
    }
    const parsed = await readBody(res);
    if (!res.ok) {
      throw toError(res, parsed);
    }
    return parsed as T;
  }
}
