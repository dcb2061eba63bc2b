import { Type, type Static } from 'typebox';
import { Id, Nullable, Timestamp } from './common.js';

export const CreateApiKeyBody = Type.Object({ name: Type.String({ minLength: 1, maxLength: 100 }) }, { examples: [{ name: 'android app' }] });
export type CreateApiKeyBody = Static<typeof CreateApiKeyBody>;

const API_KEY_EXAMPLE = { id: '01936d3c-aa00-7b00-8c00-000000000001', name: 'android app', prefix: 'mjk_3EvBl6', created_by: '01936d3c-7b1a-7c3e-9d52-3f6a1b2c4d5e', created_at: '2026-01-01T12:00:00.000Z', last_used_at: null, revoked_at: null };

export const ApiKey = Type.Object({
  id: Id,
  name: Type.String(),
  prefix: Type.String({ description: 'The first characters of the key, to recognise it; the key itself is never shown again.' }),
  created_by: Nullable(Id),
  created_at: Timestamp,
  last_used_at: Nullable(Timestamp),
  revoked_at: Nullable(Timestamp),
}, { examples: [API_KEY_EXAMPLE] });
export type ApiKey = Static<typeof ApiKey>;

export const ApiKeyCreated = Type.Object({
  ...ApiKey.properties,
  key: Type.String({ description: 'The key, shown this once: send it as X-API-Key.' }),
}, { examples: [{ ...API_KEY_EXAMPLE, key: 'mjk_3EvBl6503_fp8xCocQLBmcu9Qr-JPjzZwEJd5vgJLlw' }] });
export type ApiKeyCreated = Static<typeof ApiKeyCreated>;
