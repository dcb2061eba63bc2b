import { Type, type Static } from 'typebox';
import { Id, Nullable, Timestamp } from './common.js';

/** Usernames: 3-32 letters (any script), digits, `_` and `.`; unique case-insensitively. */
export const Username = Type.String({
  pattern: '^[\\p{L}\\p{M}\\p{N}_.]{3,32}$',
  description: '3-32 letters (any script), digits, "_" and "."; unique case-insensitively.',
  examples: ['sara_k'],
});
export const Email = Type.String({ format: 'email', maxLength: 254, examples: ['sara@example.com'] });
export const Password = Type.String({ minLength: 8, maxLength: 256, description: '8-256 characters.' });
export const FullName = Type.String({ maxLength: 100 });
export const Bio = Type.String({ maxLength: 500 });
export const Role = Type.Union([Type.Literal('user'), Type.Literal('admin')]);
export type Role = Static<typeof Role>;

/** An example user for the OpenAPI document. */
export const USER_EXAMPLE = {
  id: '01936d3c-7b1a-7c3e-9d52-3f6a1b2c4d5e',
  username: 'sara_k',
  email: 'sara@example.com',
  full_name: 'سارا کریمی',
  profile_image: '/uploads/avatars/01936d3c-8f00-7a11-b2c3-d4e5f6a7b8c9.webp',
  bio: null,
  role: 'user',
  is_online: true,
  last_seen: '2026-01-01T12:00:00.000Z',
  created_at: '2025-12-01T09:30:00.000Z',
};

export const User = Type.Object(
  {
    id: Id,
    username: Type.String(),
    email: Nullable(Type.String({ description: "Shown only to the user themself and to admins; null otherwise." })),
    full_name: Nullable(Type.String()),
    profile_image: Nullable(Type.String({ description: 'Path of the profile image under /uploads, or null.' })),
    bio: Nullable(Type.String()),
    role: Role,
    is_online: Type.Boolean({ description: 'True while the user has at least one open real-time connection.' }),
    last_seen: Nullable(Timestamp),
    created_at: Timestamp,
  },
  {
    description: 'A user as others see them.',
    examples: [
      USER_EXAMPLE,
    ],
  },
);
export type User = Static<typeof User>;


export const UpdateMeBody = Type.Object(
  {
  username: Type.Optional(Username),
  email: Type.Optional(Email),
  full_name: Type.Optional(Nullable(FullName)),
  bio: Type.Optional(Nullable(Bio)),
  password: Type.Optional(Password),
  current_password: Type.Optional(Type.String({ maxLength: 256, description: 'Required with password.' })),
  },
  { examples: [{ full_name: 'Sara K.', bio: 'سلام!' }, { password: 'a new long password', current_password: 'the old password' }] },
);
export type UpdateMeBody = Static<typeof UpdateMeBody>;

export const DeleteMeBody = Type.Object({
  password: Type.Optional(Type.String({ maxLength: 256, description: 'When sent, it must be the current password.' })),
}, { examples: [{}, { password: 'correct horse battery' }] });

export const ProfileImageResponse = Type.Object({ profile_image: Type.String() }, { examples: [{ profile_image: '/uploads/avatars/01936d3c-8f00-7a11-b2c3-d4e5f6a7b8c9.webp' }] });

export const UserSearchQuery = Type.Object({
  query: Type.Optional(Type.String({ maxLength: 100 })),
  q: Type.Optional(Type.String({ maxLength: 100, description: 'Alias of query.' })),
});
export type UserSearchQuery = Static<typeof UserSearchQuery>;

export const UserStatus = Type.Object(
  { user_id: Id, is_online: Type.Boolean(), last_seen: Nullable(Timestamp) },
  { examples: [{ user_id: '01936d3c-7b1a-7c3e-9d52-3f6a1b2c4d5e', is_online: false, last_seen: '2026-01-01T12:00:00.000Z' }] },
);
export type UserStatus = Static<typeof UserStatus>;

export const UserList = Type.Object({
  users: Type.Array(User),
  total: Type.Integer(),
  skip: Type.Integer(),
  limit: Type.Integer(),
  has_more: Type.Boolean(),
}, { examples: [{ users: [USER_EXAMPLE], total: 1, skip: 0, limit: 50, has_more: false }] });
export type UserList = Static<typeof UserList>;

export const AdminUserListQuery = Type.Object({
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 50 })),
  skip: Type.Optional(Type.Integer({ minimum: 0, default: 0 })),
  query: Type.Optional(Type.String({ maxLength: 100 })),
});
export type AdminUserListQuery = Static<typeof AdminUserListQuery>;

export const AdminCreateUserBody = Type.Object({
  username: Username,
  email: Email,
  password: Password,
  full_name: Type.Optional(FullName),
  bio: Type.Optional(Bio),
  role: Type.Optional(Role),
}, { examples: [{ username: 'omid', email: 'omid@example.com', password: 'a long initial password', full_name: 'امید', role: 'user' }] });
export type AdminCreateUserBody = Static<typeof AdminCreateUserBody>;

export const AdminUpdateUserBody = Type.Object({
  username: Type.Optional(Username),
  email: Type.Optional(Email),
  full_name: Type.Optional(Nullable(FullName)),
  bio: Type.Optional(Nullable(Bio)),
  password: Type.Optional(Password),
  role: Type.Optional(Role),
}, { examples: [{ role: 'admin' }, { password: 'a reset password for omid' }] });
export type AdminUpdateUserBody = Static<typeof AdminUpdateUserBody>;

export const UserStatistics = Type.Object({
  total_users: Type.Integer({ description: 'Accounts that are not deleted.' }),
  admins: Type.Integer(),
  online_users: Type.Integer(),
  deleted_users: Type.Integer(),
  new_last_24h: Type.Integer(),
  new_last_7d: Type.Integer(),
  active_last_24h: Type.Integer({ description: 'Users seen (last_seen or a session used) in the last 24 hours.' }),
}, { examples: [{ total_users: 120, admins: 2, online_users: 14, deleted_users: 3, new_last_24h: 5, new_last_7d: 21, active_last_24h: 48 }] });
export type UserStatistics = Static<typeof UserStatistics>;
