import { type Kysely, sql } from 'kysely';
import { isPostgres } from '../dialects/detect.js';

// Messages, their edits, reactions, files, and the durable event log (transactional outbox).
export async function up(db: Kysely<any>): Promise<void> {
  const pg = isPostgres(db);

  // `rid` is a stable integer per message: SQLite's full-text index is keyed by it. Lookups use `id`.
  let messages = db.schema.createTable('messages');
  messages = pg
    ? messages.addColumn('rid', 'bigserial', (c) => c.notNull().unique()).addColumn('id', 'text', (c) => c.primaryKey())
    : messages.addColumn('rid', 'integer', (c) => c.primaryKey().autoIncrement()).addColumn('id', 'text', (c) => c.notNull().unique());
  await messages
    .addColumn('chat_id', 'text', (c) => c.notNull().references('chats.id'))
    .addColumn('seq', 'bigint', (c) => c.notNull())
    .addColumn('sender_id', 'text', (c) => c.references('users.id'))
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('content', 'text')
    .addColumn('search_text', 'text')
    .addColumn('file_id', 'text')
    .addColumn('reply_to_id', 'text')
    .addColumn('forwarded_from_id', 'text')
    .addColumn('client_id', 'text')
    .addColumn('edited_at', 'bigint')
    .addColumn('deleted_at', 'bigint')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addUniqueConstraint('messages_chat_seq', ['chat_id', 'seq'])
    .addUniqueConstraint('messages_exactly_once', ['chat_id', 'sender_id', 'client_id'])
    .execute();

  await db.schema
    .createTable('message_edits')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('message_id', 'text', (c) => c.notNull())
    .addColumn('content', 'text', (c) => c.notNull())
    .addColumn('edited_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('message_edits_message').on('message_edits').columns(['message_id', 'edited_at']).execute();

  await db.schema
    .createTable('reactions')
    .addColumn('message_id', 'text', (c) => c.notNull())
    .addColumn('user_id', 'text', (c) => c.notNull())
    .addColumn('emoji', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('reactions_pk', ['message_id', 'user_id', 'emoji'])
    .execute();

  await db.schema
    .createTable('files')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('chat_id', 'text', (c) => c.notNull())
    .addColumn('uploader_id', 'text', (c) => c.notNull())
    .addColumn('storage_key', 'text', (c) => c.notNull())
    .addColumn('thumb_key', 'text')
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('size', 'bigint', (c) => c.notNull())
    .addColumn('mime', 'text', (c) => c.notNull())
    .addColumn('width', 'integer')
    .addColumn('height', 'integer')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('deleted_at', 'bigint')
    .execute();
  await db.schema.createIndex('files_chat').on('files').column('chat_id').execute();

  // The event log: `id` orders every event and is the clients' resume cursor.
  let events = db.schema.createTable('events');
  events = pg
    ? events.addColumn('id', 'bigserial', (c) => c.primaryKey())
    : events.addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement());
  await events
    .addColumn('chat_id', 'text')
    .addColumn('user_id', 'text')
    .addColumn('seq', 'bigint')
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('payload', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('events_chat').on('events').columns(['chat_id', 'id']).execute();
  await db.schema.createIndex('events_chat_seq').on('events').columns(['chat_id', 'seq']).execute();
  await db.schema.createIndex('events_user').on('events').columns(['user_id', 'id']).execute();
  await db.schema.createIndex('events_created').on('events').column('created_at').execute();

  // Small facts the server keeps about itself, e.g. how far the event log has been pruned.
  await db.schema
    .createTable('meta')
    .addColumn('key', 'text', (c) => c.primaryKey())
    .addColumn('value', 'text', (c) => c.notNull())
    .execute();

  await db.schema.createIndex('chats_public').on('chats').columns(['is_public', 'last_activity_at']).execute();

  if (!pg) {
    // Full-text search over the folded text (see lib/text/fold.ts), kept in step by triggers.
    await sql`create virtual table messages_fts using fts5(search_text, content='messages', content_rowid='rid', tokenize='unicode61 remove_diacritics 2')`.execute(db);
    await sql`create trigger messages_fts_insert after insert on messages begin
      insert into messages_fts(rowid, search_text) values (new.rid, new.search_text); end`.execute(db);
    await sql`create trigger messages_fts_delete after delete on messages begin
      insert into messages_fts(messages_fts, rowid, search_text) values ('delete', old.rid, old.search_text); end`.execute(db);
    await sql`create trigger messages_fts_update after update of search_text on messages begin
      insert into messages_fts(messages_fts, rowid, search_text) values ('delete', old.rid, old.search_text);
      insert into messages_fts(rowid, search_text) values (new.rid, new.search_text); end`.execute(db);
  }
}

export async function down(db: Kysely<any>): Promise<void> {
  if (!isPostgres(db)) {
    await sql`drop table if exists messages_fts`.execute(db);
  }
  for (const table of ['meta', 'events', 'files', 'reactions', 'message_edits', 'messages']) {
    await db.schema.dropTable(table).execute();
  }
  await db.schema.dropIndex('chats_public').execute();
}
