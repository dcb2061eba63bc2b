/** A tiny HTTP client over real fetch, for tests: JSON in, parsed JSON out, headers kept. */
export interface Reply<T = any> {
  status: number;
  headers: Headers;
  body: T;
  text: string;
}

export interface RequestOptions {
  token?: string | undefined;
  body?: unknown;
  headers?: Record<string, string>;
  form?: FormData;
  raw?: string | Uint8Array;
}

export class Api {
  constructor(readonly baseUrl: string) {}

  async request<T = any>(method: string, path: string, opts: RequestOptions = {}): Promise<Reply<T>> {
    const headers: Record<string, string> = { ...(opts.headers ?? {}) };
    if (opts.token) {
      headers.authorization = `Bearer ${opts.token}`;
    }
    let body: NonNullable<Parameters<typeof fetch>[1]>['body'];
    if (opts.form) {
      body = opts.form;
    } else if (opts.raw !== undefined) {
      body = opts.raw as NonNullable<Parameters<typeof fetch>[1]>['body'];
    } else if (opts.body !== undefined) {
      headers['content-type'] ??= 'application/json';
      body = JSON.stringify(opts.body);
    }
    const res = await fetch(this.baseUrl + path, { method, headers, body });
    const text = await res.text();
    let parsed: unknown = text;
    if ((res.headers.get('content-type') ?? '').includes('json') && text !== '') {
      parsed = JSON.parse(text);
    }
    return { status: res.status, headers: res.headers, body: parsed as T, text };
  }

  get<T = any>(path: string, opts?: RequestOptions) {
    return this.request<T>('GET', path, opts);
  }
  post<T = any>(path: string, opts?: RequestOptions) {
    return this.request<T>('POST', path, opts);
  }
  put<T = any>(path: string, opts?: RequestOptions) {
    return this.request<T>('PUT', path, opts);
  }
  patch<T = any>(path: string, opts?: RequestOptions) {
    return this.request<T>('PATCH', path, opts);
  }
  delete<T = any>(path: string, opts?: RequestOptions) {
    return this.request<T>('DELETE', path, opts);
  }
}

let counter = 0;

/** A fresh, unique user's registration fields. */
export function newUserFields(overrides: Record<string, string> = {}) {
  counter += 1;
  const tag = `${Date.now().toString(36)}${counter}`;
  return { username: `user_${tag}`, email: `user_${tag}@example.com`, password: 'correct horse battery', full_name: `User ${counter}`, ...overrides };
}

export interface Registered {
  token: string;
  refresh: string;
  sessionToken: string;
  user: any;
  password: string;
  email: string;
  username: string;
}

/** Registers a fresh user and returns their tokens and profile. */
export async function register(api: Api, overrides: Record<string, string> = {}): Promise<Registered> {
  const fields = newUserFields(overrides);
  const res = await api.post('/api/auth/register', { body: fields });
  if (res.status !== 201) {
    throw new Error(`register failed: ${res.status} ${res.text}`);
  }
  return {
    token: res.body.access_token,
    refresh: res.body.refresh_token,
    sessionToken: res.body.session_id,
    user: res.body.user,
    password: fields.password,
    email: fields.email,
    username: fields.username,
  };
}

/** Asserts-free helper: is this a problem+json with `code`? Returns a message if not. */
export function problemMismatch(reply: Reply, status: number, code: string): string | null {
  const type = reply.headers.get('content-type') ?? '';
  if (reply.status !== status || !type.startsWith('application/problem+json') || reply.body?.code !== code) {
    return `expected ${status} ${code} problem+json, got ${reply.status} ${type} ${reply.text.slice(0, 300)}`;
  }
  return null;
}
