import { Type, type Static } from 'typebox';
import { Id, Nullable, Timestamp } from './common.js';
import { Email, FullName, Password, User, USER_EXAMPLE, Username } from './users.js';

export const RegisterBody = Type.Object(
  {
    username: Username,
    email: Email,
    password: Password,
    full_name: Type.Optional(FullName),
  },
  { examples: [{ username: 'sara_k', email: 'sara@example.com', password: 'correct horse battery', full_name: 'سارا کریمی' }] },
);
export type RegisterBody = Static<typeof RegisterBody>;

export const LoginBody = Type.Object(
  {
    email: Type.Optional(Type.String({ maxLength: 254 })),
    username: Type.Optional(Type.String({ maxLength: 254 })),
    identifier: Type.Optional(Type.String({ maxLength: 254, description: 'Email or username.' })),
    password: Type.String({ maxLength: 256 }),
  },
  {
    description: 'One of email, username or identifier, and the password.',
    examples: [{ email: 'sara@example.com', password: 'correct horse battery' }, { identifier: 'sara_k', password: 'correct horse battery' }],
  },
);
export type LoginBody = Static<typeof LoginBody>;

const tokenExample = {
  access_token: 'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzaWQiOiIuLi4iLCJzdWIiOiIuLi4ifQ.c2lnbmF0dXJl',
  token_type: 'bearer',
  expires_in: 86400,
  refresh_token: 'mjr_Zm9vYmFyYmF6cXV4cXV1eGNvcmdlZ3JhdWx0Z2FycGx5',
  refresh_expires_in: 2592000,
};

export const TokenResponse = Type.Object({
  access_token: Type.String({ description: 'JWT (HS256) carrying the session id in `sid`.' }),
  token_type: Type.Literal('bearer'),
  expires_in: Type.Integer({ description: 'Seconds until the access token expires.' }),
  refresh_token: Type.String({ description: 'Opaque; rotates on every use. Reusing an old one ends the session.' }),
  refresh_expires_in: Type.Integer({ description: 'Seconds until the refresh token expires.' }),
  user: User,
}, { examples: [{ ...tokenExample, user: USER_EXAMPLE }] });
export type TokenResponse = Static<typeof TokenResponse>;

export const AuthResponse = Type.Object({
  ...TokenResponse.properties,
  session_id: Type.String({
    description: 'Session token for X-Session-ID (isht clients): a secret like a token, shown only at register and login.',
  }),
}, { examples: [{ ...tokenExample, session_id: 'mjs_c2Vzc2lvbnRva2VuZXhhbXBsZXZhbHVlMTIzNDU2', user: USER_EXAMPLE }] });
export type AuthResponse = Static<typeof AuthResponse>;

export const RefreshBody = Type.Object({ refresh_token: Type.String({ minLength: 1, maxLength: 512 }) }, { examples: [{ refresh_token: 'mjr_Zm9vYmFyYmF6cXV4cXV1eGNvcmdlZ3JhdWx0Z2FycGx5' }] });
export type RefreshBody = Static<typeof RefreshBody>;

export const LogoutBody = Type.Object({ refresh_token: Type.Optional(Type.String({ maxLength: 512 })) }, { examples: [{}, { refresh_token: 'mjr_Zm9vYmFyYmF6cXV4cXV1eGNvcmdlZ3JhdWx0Z2FycGx5' }] });
export type LogoutBody = Static<typeof LogoutBody>;

const SESSION_EXAMPLE = { id: '01936d3c-7b1a-7c3e-9d52-3f6a1b2c4d60', user_agent: 'Mozilla/5.0 (iPhone)', ip: '203.0.113.7', created_at: '2026-01-01T12:00:00.000Z', last_used_at: '2026-01-02T08:30:00.000Z', current: true };

export const SessionInfo = Type.Object({
  id: Id,
  user_agent: Nullable(Type.String()),
  ip: Nullable(Type.String()),
  created_at: Timestamp,
  last_used_at: Timestamp,
  current: Type.Boolean({ description: 'True for the session making this request.' }),
}, { examples: [SESSION_EXAMPLE] });
export type SessionInfo = Static<typeof SessionInfo>;

export const ValidateResponse = Type.Object(
  { valid: Type.Literal(true), user: User, session: SessionInfo },
  { examples: [{ valid: true, user: USER_EXAMPLE, session: SESSION_EXAMPLE }] },
);
export type ValidateResponse = Static<typeof ValidateResponse>;

export const ChangePasswordBody = Type.Object(
  { old_password: Type.String({ maxLength: 256 }), new_password: Password },
  { examples: [{ old_password: 'correct horse battery', new_password: 'a brand new passphrase' }] },
);
export type ChangePasswordBody = Static<typeof ChangePasswordBody>;

export const RevokedResponse = Type.Object({
  status: Type.String(),
  revoked_sessions: Type.Integer({ description: 'How many sessions this ended.' }),
}, { examples: [{ status: 'logged_out', revoked_sessions: 3 }] });
export type RevokedResponse = Static<typeof RevokedResponse>;
