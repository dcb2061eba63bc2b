import {
  type AddedResponse,
  type CreateGroupResponse,
  type DeleteMeBody,
  type ForwardResponse,
  type MessageEdit,
  ProfileImageResponse,
  type ReactResponse,
  type ReadAllResponse,
  type UpdateGroupResponse,
} from '@majlis/protocol';
import type {
  AddedResult,
  ChatSummary,
  CreateGroupResult,
  DeleteMeBody as SdkDeleteMeBody,
  ForwardResult,
  MessageEdit as SdkMessageEdit,
  ProfileImageResult,
  ReactResult,
  ReadAllResult,
  UpdateGroupResult,
} from 'majlis-client';
import { compareCursors, randomId } from 'majlis-client';
import type { Static } from 'typebox';
import { describe, expect, expectTypeOf, it } from 'vitest';

// The SDK imports no TypeBox, so a few response shapes are written out by hand in src/types.ts.
// These checks (run by `tsc -p tsconfig.test.json`) fail the build when one drifts from its schema.
describe('hand-written types equal the protocol schemas', () => {
  it('response types', () => {
    expectTypeOf<ProfileImageResult>().toEqualTypeOf<Static<typeof ProfileImageResponse>>();
    expectTypeOf<CreateGroupResult>().toEqualTypeOf<Static<typeof CreateGroupResponse>>();
    expectTypeOf<UpdateGroupResult>().toEqualTypeOf<Static<typeof UpdateGroupResponse>>();
    expectTypeOf<AddedResult>().toEqualTypeOf<Static<typeof AddedResponse>>();
    expectTypeOf<ReactResult>().toEqualTypeOf<Static<typeof ReactResponse>>();
    expectTypeOf<ForwardResult>().toEqualTypeOf<Static<typeof ForwardResponse>>();
    expectTypeOf<ReadAllResult>().toEqualTypeOf<Static<typeof ReadAllResponse>>();
    expectTypeOf<SdkMessageEdit>().toEqualTypeOf<Static<typeof MessageEdit>>();
    expectTypeOf<SdkDeleteMeBody>().toEqualTypeOf<Static<typeof DeleteMeBody>>();
    expectTypeOf<UpdateGroupResult>().toExtend<ChatSummary | Omit<ChatSummary, 'chat_type'>>();
    // Runtime: the schemas are there (the imports above are values).
    expect(ProfileImageResponse.type).toBe('object');
  });
});

describe('small helpers', () => {
  it('compareCursors orders decimal cursors by value', () => {
    expect(compareCursors('9', '10')).toBeLessThan(0);
    expect(compareCursors('10', '9')).toBeGreaterThan(0);
    expect(compareCursors('123', '123')).toBe(0);
    expect(compareCursors('007', '7')).toBe(0);
    expect(compareCursors('b', 'a')).toBeGreaterThan(0);
  });

  it('randomId makes RFC 4122 v4 ids, also without crypto.randomUUID', () => {
    expect(randomId()).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    const original = globalThis.crypto.randomUUID;
    try {
      Object.defineProperty(globalThis.crypto, 'randomUUID', { value: undefined, configurable: true });
      const ids = new Set(Array.from({ length: 100 }, () => randomId()));
      expect(ids.size).toBe(100);
      for (const id of ids) {
        expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      }
    } finally {
      Object.defineProperty(globalThis.crypto, 'randomUUID', { value: original, configurable: true });
    }
  });
});
