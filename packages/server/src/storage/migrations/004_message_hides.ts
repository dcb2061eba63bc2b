import type { Kysely } from 'kysely';

// Messages a member hid for themselves only (DELETE ...?for=me): everyone else still sees them.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('message_hides')
    .addColumn('user_id', 'text', (c) => c.notNull())
    .addColumn('message_id', 'text', (c) => c.notNull())
    .addColumn('chat_id', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('message_hides_pk', ['user_id', 'message_id'])
    .execute();
  await db.schema.createIndex('message_hides_chat').on('message_hides').columns(['user_id', 'chat_id']).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('message_hides').execute();
}
