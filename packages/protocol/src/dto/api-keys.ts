import { Type, type Static } from 'typebox';
import { Id, Nullable, Timestamp } from './common.js';

export const CreateApiKeyBody = Type.Object({ name: Type.String({ minLength: 1, maxLength: 100 }) });
export type CreateApiKeyBody = Static<typeof CreateApiKeyBody>;

export const ApiKey = Type.Object({
  id: Id,
  name: Type.String(),
  prefix: Type.String({ description: 'The first characters of the key, to recognise it; the key itself is never shown again.' }),
  created_by: Nullable(Id),
  created_at: Timestamp,
  last_used_at: Nullable(Timestamp),
  revoked_at: Nullable(Timestamp),
});
export type ApiKey = Static<typeof ApiKey>;

export const ApiKeyCreated = Type.Object({
  ...ApiKey.properties,
  key: Type.String({ description: 'The key, shown this once: send it as X-API-Key.' }),
});
export type ApiKeyCreated = Static<typeof ApiKeyCreated>;
