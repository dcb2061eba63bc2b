import type { User } from '@majlis/protocol';
import { iso } from '../../lib/time.js';
import type { UserRow } from './users.repo.js';

/** Who is looking: decides whether private fields (email) are shown. */
export interface Viewer {
  id: string;
  role: 'user' | 'admin';
}

/** The public URL path of a stored avatar key. */
export function avatarUrl(key: string | null): string | null {
  return key ? `/uploads/${key}` : null;
}

/** A user row as the API shows it to `viewer`: email only to the user themself and admins. */
export function userView(row: UserRow, viewer: Viewer | null, online: boolean): User {
  const mayseeEmail = viewer !== null && (viewer.id === row.id || viewer.role === 'admin');
  return {
    id: row.id,
    username: row.username,
    email: mayseeEmail ? row.email : null,
    full_name: row.full_name,
    profile_image: avatarUrl(row.profile_image),
    bio: row.bio,
    role: row.role,
    is_online: online,
    last_seen: iso(row.last_seen),
    created_at: iso(row.created_at),
  };
}
