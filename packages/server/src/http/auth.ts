import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ApiKeysService } from '../modules/api-keys/api-keys.service.js';
import type { AuthContext, AuthService } from '../modules/auth/auth.service.js';
import { AppError } from './problem.js';

/** Who may call a route: nobody needs to be logged in, anyone may be, a user must be, an admin must be. */
export type AuthRequirement = 'none' | 'optional' | 'user' | 'admin';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Defaults to 'user' under /api and 'none' elsewhere: routes opt out of auth, never in. */
    auth?: AuthRequirement;
    /** Also accept the access token as `?token=` (WebSocket, EventSource and <img> cannot set headers). */
    queryToken?: boolean;
  }
  interface FastifyRequest {
    /** The caller, once the auth hook has run; null when anonymous. */
    auth: AuthContext | null;
  }
}

export interface AuthHookDeps {
  auth: AuthService;
  apiKeys: ApiKeysService;
  apiKeyRequired: boolean;
}

function requirementOf(request: FastifyRequest): AuthRequirement {
  const configured = request.routeOptions.config?.auth;
  if (configured) {
    return configured;
  }
  // Unmatched URLs (routeOptions.url undefined) fall through to a plain 404.
  return request.routeOptions.url?.startsWith('/api/') ? 'user' : 'none';
}

function isApiOrSocket(request: FastifyRequest): boolean {
  // The matched route's pattern, not the raw URL: the router decodes %-escapes, so `/%61pi/...`
  // reaches the `/api/...` routes while its raw URL does not start with `/api`.
  let path = request.routeOptions.url;
  if (path === undefined) {
    const raw = request.url.split('?')[0] ?? '';
    try {
      path = decodeURIComponent(raw);
    } catch {
      path = raw;
    }
  }
  return path.startsWith('/api/') || path === '/api' || path.startsWith('/ws');
}

/** The credential a request carries: an access token, or an isht session token. */
function credentialOf(request: FastifyRequest): { kind: 'access' | 'session'; token: string } | null {
  const header = request.headers.authorization;
  if (header) {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (!match?.[1]) {
      throw new AppError('invalid_token');
    }
    return { kind: 'access', token: match[1] };
  }
  const sessionId = request.headers['x-session-id'];
  if (typeof sessionId === 'string' && sessionId !== '') {
    return { kind: 'session', token: sessionId };
  }
  if (request.routeOptions.config?.queryToken) {
    const token = (request.query as { token?: unknown } | undefined)?.token;
    if (typeof token === 'string' && token !== '') {
      return { kind: 'access', token };
    }
  }
  return null;
}

/** Resolves `request.auth` before anything else runs, and enforces API keys and route requirements. */
export function installAuth(app: FastifyInstance, deps: AuthHookDeps): void {
  app.decorateRequest('auth', null);
  app.addHook('onRequest', async (request) => {
    if (deps.apiKeyRequired && isApiOrSocket(request)) {
      const key = request.headers['x-api-key'];
      if (typeof key !== 'string' || key === '') {
        throw new AppError('api_key_required');
      }
      if (!(await deps.apiKeys.verify(key))) {
        throw new AppError('api_key_invalid');
      }
    }
    const requirement = requirementOf(request);
    if (requirement === 'none') {
      return;
    }
    const credential = credentialOf(request);
    if (credential) {
      try {
        request.auth =
          credential.kind === 'access' ? await deps.auth.authenticateAccessToken(credential.token) : await deps.auth.authenticateSessionToken(credential.token);
      } catch (error) {
        // An 'optional' route goes on anonymously past a stale credential: logout must still end
        // a session by its refresh token after the access token sent along has expired.
        if (requirement !== 'optional' || !(error instanceof AppError)) {
          throw error;
        }
      }
    }
    if (!request.auth && (requirement === 'user' || requirement === 'admin')) {
      throw new AppError('not_authenticated', {}, { headers: { 'www-authenticate': 'Bearer' } });
    }
    if (requirement === 'admin' && request.auth?.role !== 'admin') {
      throw new AppError('admin_required');
    }
  });
}

/** The caller of a route that requires a user (the hook guarantees it is set). */
export function caller(request: FastifyRequest): AuthContext {
  if (!request.auth) {
    throw new AppError('not_authenticated');
  }
  return request.auth;
}
