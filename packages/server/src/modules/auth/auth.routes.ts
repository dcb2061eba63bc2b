import {
  AuthResponse,
  ChangePasswordBody,
  IdParams,
  LoginBody,
  LogoutBody,
  RefreshBody,
  RegisterBody,
  RevokedResponse,
  SessionInfo,
  StatusResponse,
  TokenResponse,
  ValidateResponse,
} from '@majlis/protocol';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest, onRequestHookHandler } from 'fastify';
import { Type } from 'typebox';
import { caller } from '../../http/auth.js';
import { optionalBody, problems } from '../../http/schemas.js';
import type { AuthService, ClientInfo } from './auth.service.js';

export interface AuthRoutesOptions {
  auth: AuthService;
  /** One limiter shared by login, register and refresh: counted together per IP. */
  authLimiter: onRequestHookHandler;
}

const tags = ['auth'];

function clientOf(request: FastifyRequest): ClientInfo {
  const ua = request.headers['user-agent'];
  return { ip: request.ip, userAgent: typeof ua === 'string' ? ua : null };
}

/** Register, login, refresh, logout and sessions. */
export const authRoutes: FastifyPluginAsyncTypebox<AuthRoutesOptions> = async (app, { auth, authLimiter }) => {
  // The general per-user limit is replaced by the stricter shared per-IP one here.
  const strict = { auth: 'none' as const, rateLimit: false as const };

  app.post('/api/auth/register', {
    config: strict,
    onRequest: authLimiter,
    schema: {
      tags,
      summary: 'Create an account and log in',
      body: RegisterBody,
      response: { 201: AuthResponse, ...problems(400, 409, 429) },
    },
    handler: async (request, reply) => reply.status(201).send(await auth.register(request.body, clientOf(request))),
  });

  app.post('/api/auth/login', {
    config: strict,
    onRequest: authLimiter,
    schema: {
      tags,
      summary: 'Log in with email, username or identifier',
      description: 'Wrong pair → 401 "Invalid email or password", the same whether the account exists or not. Repeated failures for one account or IP are refused for a growing time (429).',
      body: LoginBody,
      response: { 200: AuthResponse, ...problems(400, 401, 429) },
    },
    handler: async (request) => auth.login(request.body, clientOf(request)),
  });

  app.post('/api/auth/refresh', {
    config: strict,
    onRequest: authLimiter,
    schema: {
      tags,
      summary: 'Rotate the refresh token and get a new access token',
      description: 'Every refresh token works once. Presenting one that was already rotated ends that session (401 refresh_token_reused).',
      body: RefreshBody,
      response: { 200: TokenResponse, ...problems(400, 401, 429) },
    },
    handler: async (request) => auth.refresh(request.body.refresh_token),
  });

  app.post('/api/auth/logout', {
    config: { auth: 'optional' },
    schema: {
      tags,
      summary: 'End this session (or the one of the given refresh token)',
      description: 'Its access, refresh and session tokens get 401 at once.',
      body: optionalBody(LogoutBody),
      response: { 200: StatusResponse, ...problems(401) },
    },
    handler: async (request) => {
      await auth.logout(request.auth, request.body?.refresh_token);
      return { status: 'logged_out' };
    },
  });

  app.post('/api/auth/logout-all', {
    schema: { tags, summary: 'End every session of mine', response: { 200: RevokedResponse, ...problems(401) } },
    handler: async (request) => ({ status: 'logged_out', revoked_sessions: await auth.logoutAll(caller(request)) }),
  });

  app.get('/api/auth/validate', {
    schema: { tags, summary: 'Check the token and see who and which session it is', response: { 200: ValidateResponse, ...problems(401) } },
    handler: async (request) => auth.validate(caller(request)),
  });

  app.get('/api/auth/sessions', {
    schema: { tags, summary: 'My active sessions (one per device)', response: { 200: Type.Array(SessionInfo), ...problems(401) } },
    handler: async (request) => auth.sessions(caller(request)),
  });

  app.delete('/api/auth/sessions/:id', {
    schema: { tags, summary: 'End one session of mine', params: IdParams, response: { 200: StatusResponse, ...problems(401, 404) } },
    handler: async (request) => {
      await auth.revokeSession(caller(request), request.params.id);
      return { status: 'revoked' };
    },
  });

  app.post('/api/auth/change-password', {
    schema: {
      tags,
      summary: 'Change my password; every other session ends',
      body: ChangePasswordBody,
      response: { 200: RevokedResponse, ...problems(400, 401) },
    },
    handler: async (request) => ({
      status: 'password_changed',
      revoked_sessions: await auth.changePassword(caller(request), request.body.old_password, request.body.new_password),
    }),
  });
};
