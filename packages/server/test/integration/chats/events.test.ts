import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { DomainEvent } from '../../../src/realtime/bus/bus.js';
import { Api, type Registered } from '../../support/client.js';
import { startServer, type TestServer } from '../../support/server.js';
import { captureEvents, createGroup, lastEventId, registerMany, storedEventsAfter } from './helpers.js';

let server: TestServer;
let api: Api;

beforeAll(async () => {
  server = await startServer();
  api = new Api(server.url);
});
afterAll(() => server.close());

let capture: ReturnType<typeof captureEvents>;
let startId: number;

beforeEach(async () => {
  startId = await lastEventId(server);
  capture = captureEvents(server);
});
afterEach(() => {
  capture.stop();
});

/** Starts recording afresh (after the setup of a test). */
async function mark(): Promise<void> {
  capture.clear();
  startId = await lastEventId(server);
}

/** The events published since `mark()`, checked against the events table: same ids, same order, same content. */
async function published(): Promise<DomainEvent[]> {
  const events = [...capture.events];
  const stored = await storedEventsAfter(server, startId);
  expect(stored).toEqual(events.map((e) => ({ id: e.id, chat_id: e.chat_id, user_id: e.user_id, type: e.type, payload: JSON.parse(JSON.stringify(e.payload)) })));
  const ids = events.map((e) => e.id);
  expect(ids).toEqual([...ids].sort((a, b) => a - b));
  expect(new Set(ids).size).toBe(ids.length);
  return events;
}

function types(events: DomainEvent[]): string[] {
  return events.map((e) => (e.user_id ? `${e.type}@${e.user_id}` : e.type));
}

function systemMessage(event: DomainEvent | undefined): { content: string; sender_id: string; message_type: string } {
  expect(event?.type).toBe('new_message');
  return (event!.payload as { message: { content: string; sender_id: string; message_type: string } }).message;
}

const NAMES = ['Sara', 'Omid', 'Layla', 'Kian', 'Nima'];
async function people(n: number): Promise<Registered[]> {
  return registerMany(api, n, (i) => ({ full_name: NAMES[i] ?? `P${i}` }));
}

describe('chat events', () => {
  it('opening a direct chat: chat_created for the chat, naming both members', async () => {
    const [a, b] = await people(2);
    await mark();
    const chatId = (await api.post('/api/chats/single', { token: a!.token, body: { user_id: b!.user.id } })).body.chat_id;
    const events = await published();
    expect(types(events)).toEqual(['chat_created']);
    expect(events[0]).toMatchObject({
      chat_id: chatId,
      user_id: null,
      payload: { chat_id: chatId, seq: 0, chat: { id: chatId, chat_type: 'single', group_name: null, group_image: null, is_public: false } },
    });
    expect(((events[0]!.payload as { member_ids: string[] }).member_ids ?? []).sort()).toEqual([a!.user.id, b!.user.id].sort());
    // Opening the existing chat again publishes nothing.
    await mark();
    await api.post('/api/chats/single', { token: b!.token, body: { user_id: a!.user.id } });
    expect(await published()).toEqual([]);
  });

  it('creating a group: chat_created, then the "created" system message as new_message (seq 1)', async () => {
    const [sara, omid] = await people(2);
    await mark();
    const res = await api.post('/api/chats/group', { token: sara!.token, body: { name: 'Evented', description: 'd', participant_emails: [omid!.email] } });
    const chatId = res.body.chat_id;
    const events = await published();
    expect(types(events)).toEqual(['chat_created', 'new_message']);
    expect(events[0]).toMatchObject({
      chat_id: chatId,
      payload: { chat_id: chatId, seq: 0, chat: { id: chatId, chat_type: 'group', group_name: 'Evented', description: 'd', is_public: false } },
    });
    expect(events[1]).toMatchObject({ chat_id: chatId, user_id: null, payload: { chat_id: chatId, seq: 1 } });
    expect(systemMessage(events[1])).toMatchObject({ message_type: 'system', sender_id: sara!.user.id, content: 'Sara created the group "Evented"' });
  });

  it('adding members: member_added {user_ids, by}, then new_message "X added Y"', async () => {
    const [sara, omid, layla] = await people(3);
    const chatId = await createGroup(api, sara!);
    await mark();
    await api.post(`/api/chats/${chatId}/participants`, { token: sara!.token, body: { emails: [omid!.email], user_ids: [layla!.user.id] } });
    const events = await published();
    expect(types(events)).toEqual(['member_added', 'new_message']);
    expect(events[0]!.chat_id).toBe(chatId);
    expect(events[0]!.payload).toMatchObject({ chat_id: chatId, by: sara!.user.id });
    expect(((events[0]!.payload as { user_ids: string[] }).user_ids ?? []).sort()).toEqual([omid!.user.id, layla!.user.id].sort());
    expect(systemMessage(events[1]).content).toMatch(/^Sara added (Omid, Layla|Layla, Omid)$/);
    expect((events[1]!.payload as { seq: number }).seq).toBe(2);
  });

  it('joining a public group: member_added by the joiner, then "X joined"', async () => {
    const [sara, omid] = await people(2);
    const chatId = await createGroup(api, sara!, [], { is_public: true });
    await mark();
    await api.post(`/api/chats/${chatId}/join`, { token: omid!.token });
    const events = await published();
    expect(types(events)).toEqual(['member_added', 'new_message']);
    expect(events[0]!.payload).toMatchObject({ chat_id: chatId, user_ids: [omid!.user.id], by: omid!.user.id });
    expect(systemMessage(events[1])).toMatchObject({ sender_id: omid!.user.id, content: 'Omid joined' });
  });

  it('removing a member: member_removed for the chat, chat_removed addressed to the removed user, then "X removed Y"', async () => {
    const [sara, omid] = await people(2);
    const chatId = await createGroup(api, sara!, [omid!]);
    await mark();
    await api.delete(`/api/chats/${chatId}/participants/${omid!.user.id}`, { token: sara!.token });
    const events = await published();
    expect(types(events)).toEqual(['member_removed', `chat_removed@${omid!.user.id}`, 'new_message']);
    expect(events[0]).toMatchObject({ chat_id: chatId, user_id: null, payload: { chat_id: chatId, user_id: omid!.user.id, by: sara!.user.id } });
    expect(events[1]).toMatchObject({ chat_id: chatId, user_id: omid!.user.id, payload: { chat_id: chatId, reason: 'removed' } });
    expect(systemMessage(events[2]).content).toBe('Sara removed Omid');
  });

  it('the owner leaving: member_removed, chat_removed to the leaver, "X left", chat_updated (new owner), "Y is now the owner"', async () => {
    const [sara, omid, layla] = await people(3);
    const chatId = await createGroup(api, sara!, [omid!, layla!]);
    await api.post(`/api/chats/${chatId}/admins/${layla!.user.id}`, { token: sara!.token });
    await mark();
    await api.post(`/api/chats/${chatId}/leave`, { token: sara!.token });
    const events = await published();
    expect(types(events)).toEqual(['member_removed', `chat_removed@${sara!.user.id}`, 'new_message', 'chat_updated', 'new_message']);
    expect(events[0]!.payload).toMatchObject({ chat_id: chatId, user_id: sara!.user.id });
    expect(events[1]!.payload).toMatchObject({ chat_id: chatId, reason: 'left' });
    expect(systemMessage(events[2]).content).toBe('Sara left');
    expect(events[3]).toMatchObject({ chat_id: chatId, user_id: null, payload: { chat_id: chatId, member: { user_id: layla!.user.id, role: 'owner' } } });
    expect(systemMessage(events[4]).content).toBe('Layla is now the owner');
  });

  it('the last member leaving: member_removed and chat_removed, no message', async () => {
    const [sara] = await people(1);
    const chatId = await createGroup(api, sara!);
    await mark();
    await api.post(`/api/chats/${chatId}/leave`, { token: sara!.token });
    expect(types(await published())).toEqual(['member_removed', `chat_removed@${sara!.user.id}`]);
  });

  it('promoting and demoting: chat_updated {member:{user_id, role}, by} and a system message', async () => {
    const [sara, omid] = await people(2);
    const chatId = await createGroup(api, sara!, [omid!]);
    await mark();
    await api.post(`/api/chats/${chatId}/admins/${omid!.user.id}`, { token: sara!.token });
    let events = await published();
    expect(types(events)).toEqual(['chat_updated', 'new_message']);
    expect(events[0]!.payload).toMatchObject({ chat_id: chatId, member: { user_id: omid!.user.id, role: 'admin' }, by: sara!.user.id });
    expect(systemMessage(events[1]).content).toBe('Sara made Omid an admin');
    await mark();
    await api.delete(`/api/chats/${chatId}/admins/${omid!.user.id}`, { token: sara!.token });
    events = await published();
    expect(types(events)).toEqual(['chat_updated', 'new_message']);
    expect(events[0]!.payload).toMatchObject({ member: { user_id: omid!.user.id, role: 'member' } });
    expect(systemMessage(events[1]).content).toBe('Sara removed Omid as admin');
  });

  it('updating the group: chat_updated with the new chat; a rename also writes a system message', async () => {
    const [sara, omid] = await people(2);
    const chatId = await createGroup(api, sara!, [omid!]);
    await mark();
    await api.put(`/api/chats/${chatId}/group`, { token: sara!.token, body: { name: 'Renamed', description: 'new', is_public: true } });
    let events = await published();
    expect(types(events)).toEqual(['chat_updated', 'new_message']);
    expect(events[0]!.payload).toMatchObject({
      chat_id: chatId,
      by: sara!.user.id,
      chat: { id: chatId, chat_type: 'group', group_name: 'Renamed', description: 'new', is_public: true, group_image: null },
    });
    expect(systemMessage(events[1]).content).toBe('Sara renamed the group to "Renamed"');
    await mark();
    await api.put(`/api/chats/${chatId}/group`, { token: sara!.token, body: { is_public: false } });
    events = await published();
    expect(types(events)).toEqual(['chat_updated']);
    expect(events[0]!.payload).toMatchObject({ chat: { group_name: 'Renamed', is_public: false } });
    // Nothing to change: nothing published.
    await mark();
    await api.put(`/api/chats/${chatId}/group`, { token: sara!.token, body: {} });
    expect(await published()).toEqual([]);
  });

  it('deleting the group: chat_removed addressed to every member', async () => {
    const [sara, omid, layla] = await people(3);
    const chatId = await createGroup(api, sara!, [omid!, layla!]);
    await mark();
    await api.delete(`/api/chats/${chatId}`, { token: sara!.token });
    const events = await published();
    expect(events.every((e) => e.type === 'chat_removed' && e.chat_id === chatId && (e.payload as { reason: string }).reason === 'deleted')).toBe(true);
    expect(events.map((e) => e.user_id).sort()).toEqual([sara!.user.id, omid!.user.id, layla!.user.id].sort());
  });

  it('a refused or no-op action publishes and stores nothing', async () => {
    const [sara, omid, layla, outsider] = await people(4);
    const group = await createGroup(api, sara!, [omid!, layla!]);
    await api.post(`/api/chats/${group}/admins/${layla!.user.id}`, { token: sara!.token });
    const publicGroup = await createGroup(api, sara!, [omid!], { is_public: true });
    await api.post(`/api/users/${outsider!.user.id}/block`, { token: sara!.token });
    await mark();
    const refused = [
      await api.post(`/api/chats/${group}/participants`, { token: omid!.token, body: { emails: [outsider!.email] } }),
      await api.delete(`/api/chats/${group}/participants/${layla!.user.id}`, { token: omid!.token }),
      await api.delete(`/api/chats/${group}/participants/${sara!.user.id}`, { token: layla!.token }),
      await api.post(`/api/chats/${group}/admins/${omid!.user.id}`, { token: omid!.token }),
      await api.delete(`/api/chats/${group}/admins/${layla!.user.id}`, { token: layla!.token }),
      await api.put(`/api/chats/${group}/group`, { token: omid!.token, body: { name: 'nope' } }),
      await api.delete(`/api/chats/${group}`, { token: layla!.token }),
      await api.post(`/api/chats/${group}/join`, { token: outsider!.token }),
      await api.post(`/api/chats/${group}/leave`, { token: outsider!.token }),
      await api.post('/api/chats/single', { token: outsider!.token, body: { user_id: sara!.user.id } }),
      await api.post('/api/chats/group', { token: sara!.token, body: { name: '   ' } }),
      await api.post('/api/chats/group', { token: sara!.token, body: {} }),
    ];
    expect(refused.map((r) => r.status)).toEqual([403, 403, 403, 403, 403, 403, 403, 403, 403, 403, 400, 400]);
    const noops = [
      await api.post(`/api/chats/${publicGroup}/join`, { token: omid!.token }),
      await api.post(`/api/chats/${group}/admins/${layla!.user.id}`, { token: sara!.token }),
      await api.post(`/api/chats/${group}/participants`, { token: sara!.token, body: { emails: [omid!.email, 'ghost@example.com'] } }),
    ];
    expect(noops.map((r) => r.status)).toEqual([200, 200, 200]);
    expect(await published()).toEqual([]);
  });
});
