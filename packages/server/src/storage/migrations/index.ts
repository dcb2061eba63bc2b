import type { Migration } from 'kysely';
import * as m001 from './001_identity.js';
import * as m002 from './002_chats.js';
import * as m003 from './003_messages.js';
import * as m004 from './004_message_hides.js';

/**
 * Every migration, in order. Names are permanent: a shipped migration is never edited, only
 * followed by a new one. Each must run unchanged on SQLite and PostgreSQL.
 */
export const MIGRATIONS: Record<string, Migration> = {
  '001_identity': m001,
  '002_chats': m002,
  '003_messages': m003,
  '004_message_hides': m004,
};
