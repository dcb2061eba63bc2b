/**
 * The FastAPI seed's own front-end code (its section 6, examples 6.1–6.8) run against Majlis
 * unchanged: the same fetch calls, URLs, headers and bodies; only the base URL points at the test
 * server and localStorage is a tiny in-memory stand-in. Each response must carry what that code reads.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type TestServer } from '../../support/server.js';
import { png } from './helpers.js';

let server: TestServer;
let BASE: string;

beforeAll(async () => {
  server = await startServer();
  BASE = server.url; // the seed's http://localhost:8009
});
afterAll(() => server.close());

// One browser's localStorage.
const storage = new Map<string, string>();
const localStorage = {
  getItem: (key: string): string | null => storage.get(key) ?? null,
  setItem: (key: string, value: string): void => {
    storage.set(key, String(value));
  },
};

// ---- 6.1 Register and login -----------------------------------------------------------------
const register = async (username: string, email: string, password: string, fullName: string) => {
  const response = await fetch(`${BASE}/api/auth/register`, {
    method: 'POST',
    headers: {
      'Content-Type': 'application/json',
    },
    body: JSON.stringify({ username, email, password, full_name: fullName }),
  });

  const data: any = await response.json();
  localStorage.setItem('token', data.access_token);
  return data;
};

const login = async (email: string, password: string) => {
  const response = await fetch(`${BASE}/api/auth/login`, {
    method: 'POST',
    headers: {
      'Content-Type': 'application/json',
    },
    body: JSON.stringify({ email, password }),
  });

  const data: any = await response.json();
  localStorage.setItem('token', data.access_token);
  return data;
};

// ---- 6.2 A request with the token ----------------------------------------------------------
const getMe = async () => {
  const token = localStorage.getItem('token');

  const response = await fetch(`${BASE}/api/users/me`, {
    method: 'GET',
    headers: {
      Authorization: `Bearer ${token}`,
    },
  });

  const user: any = await response.json();
  return user;
};

// ---- 6.3 Create a chat by email or username --------------------------------------------------
const createChat = async (identifier: string) => {
  const token = localStorage.getItem('token');
  const response = await fetch(`${BASE}/api/chats/single?identifier=${encodeURIComponent(identifier)}`, {
    method: 'POST',
    headers: {
      Authorization: `Bearer ${token}`,
    },
  });
  return (await response.json()) as any;
};

// ---- 6.4 Create a group with an image --------------------------------------------------------
const createGroup = async (name: string, participantEmails: string[], groupImage?: File) => {
  const token = localStorage.getItem('token');
  const formData = new FormData();
  formData.append('name', name);
  formData.append('participant_emails', participantEmails.join(','));
  if (groupImage) {
    formData.append('group_image', groupImage);
  }

  const response = await fetch(`${BASE}/api/chats/group`, {
    method: 'POST',
    headers: {
      Authorization: `Bearer ${token}`,
    },
    body: formData,
  });

  return (await response.json()) as any;
};

// ---- 6.5 Send a message with a reply -------------------------------------------------------
const sendMessage = async (chatId: string, content: string, replyTo: string | null = null) => {
  const token = localStorage.getItem('token');
  let url = `${BASE}/api/chats/${chatId}/messages?content=${encodeURIComponent(content)}`;
  if (replyTo) {
    url += `&reply_to=${replyTo}`;
  }

  const response = await fetch(url, {
    method: 'POST',
    headers: {
      Authorization: `Bearer ${token}`,
    },
  });

  return (await response.json()) as any;
};

// ---- 6.6 Messages with pagination ---------------------------------------------------------
const getMessages = async (chatId: string, skip = 0, limit = 50) => {
  const token = localStorage.getItem('token');
  const response = await fetch(`${BASE}/api/chats/${chatId}/messages?skip=${skip}&limit=${limit}`, {
    method: 'GET',
    headers: {
      Authorization: `Bearer ${token}`,
    },
  });

  const data: any = await response.json();
  return data; // { messages: [], total: 150, has_more: true, skip: 0, limit: 50 }
};

// ---- 6.7 Edit a message --------------------------------------------------------------------
const editMessage = async (chatId: string, messageId: string, newContent: string) => {
  const token = localStorage.getItem('token');
  const response = await fetch(`${BASE}/api/chats/${chatId}/messages/${messageId}`, {
    method: 'PUT',
    headers: {
      Authorization: `Bearer ${token}`,
      'Content-Type': 'application/json',
    },
    body: JSON.stringify({ content: newContent }),
  });

  return (await response.json()) as any;
};

// ---- 6.8 React to a message ----------------------------------------------------------------
const reactToMessage = async (chatId: string, messageId: string, emoji: string) => {
  const token = localStorage.getItem('token');
  const response = await fetch(`${BASE}/api/chats/${chatId}/messages/${messageId}/react`, {
    method: 'POST',
    headers: {
      Authorization: `Bearer ${token}`,
      'Content-Type': 'application/json',
    },
    body: JSON.stringify({ emoji }),
  });

  return (await response.json()) as any;
};

// The chat list (section 3.3), fetched the same way.
const getChats = async () => {
  const token = localStorage.getItem('token');
  const response = await fetch(`${BASE}/api/chats`, { method: 'GET', headers: { Authorization: `Bearer ${token}` } });
  return (await response.json()) as any;
};

/** Switches "the browser" to another signed-in user. */
function signInAs(token: string): void {
  localStorage.setItem('token', token);
}

const MESSAGE_FIELDS = ['id', 'chat_id', 'sender_id', 'sender_name', 'message_type', 'content', 'file_url', 'reply_to', 'reply_to_message', 'edited_at', 'is_deleted', 'status', 'reactions', 'created_at'];

describe('the FastAPI seed front end (section 6) against Majlis', () => {
  it('runs 6.1–6.8 end to end and finds every field it reads', async () => {
    const tag = Date.now().toString(36);
    // 6.1: register three users; each response carries access_token (stored by the seed's code).
    const sara = await register(`sara_${tag}`, `sara_${tag}@example.com`, 'sara-password-1', 'سارا احمدی');
    expect(typeof sara.access_token).toBe('string');
    expect(localStorage.getItem('token')).toBe(sara.access_token);
    expect(sara).toMatchObject({ token_type: 'bearer', user: { username: `sara_${tag}`, email: `sara_${tag}@example.com`, full_name: 'سارا احمدی' } });
    const omid = await register(`omid_${tag}`, `omid_${tag}@example.com`, 'omid-password-1', 'Omid');
    const layla = await register(`layla_${tag}`, `layla_${tag}@example.com`, 'layla-password-1', 'Layla');
    expect(typeof omid.access_token).toBe('string');
    expect(typeof layla.access_token).toBe('string');

    // 6.1: login by email.
    const loggedIn = await login(`sara_${tag}@example.com`, 'sara-password-1');
    expect(typeof loggedIn.access_token).toBe('string');
    expect(localStorage.getItem('token')).toBe(loggedIn.access_token);
    expect(loggedIn.user.id).toBe(sara.user.id);
    const saraToken = loggedIn.access_token as string;

    // 6.2: GET /api/users/me with the stored token.
    const me = await getMe();
    expect(me).toMatchObject({ id: sara.user.id, username: `sara_${tag}`, email: `sara_${tag}@example.com`, full_name: 'سارا احمدی' });
    for (const field of ['profile_image', 'is_online', 'last_seen', 'created_at']) {
      expect(me).toHaveProperty(field);
    }

    // 6.3: a direct chat by email, then by username: the same chat_id.
    const direct = await createChat(`omid_${tag}@example.com`);
    expect(typeof direct.chat_id).toBe('string');
    expect(await createChat(`omid_${tag}`)).toEqual({ chat_id: direct.chat_id });

    // 6.4: a group with and without an image; participant emails and usernames joined by ','.
    const image = new File([new Uint8Array(await png(120, 80))], 'group.png', { type: 'image/png' });
    const group = await createGroup('گروه دوستان', [`omid_${tag}@example.com`, `layla_${tag}`], image);
    expect(typeof group.chat_id).toBe('string');
    const plain = await createGroup('No image', [`layla_${tag}@example.com`]);
    expect(typeof plain.chat_id).toBe('string');

    // 6.5: send, then reply (a second later: the test clock only moves when told).
    server.clock.advance(1000);
    const first = await sendMessage(direct.chat_id, 'سلام! چطوری؟');
    expect(Object.keys(first)).toEqual(expect.arrayContaining(MESSAGE_FIELDS));
    expect(first).toMatchObject({
      chat_id: direct.chat_id,
      sender_id: sara.user.id,
      sender_name: 'سارا احمدی',
      message_type: 'text',
      content: 'سلام! چطوری؟',
      file_url: null,
      reply_to: null,
      reply_to_message: null,
      edited_at: null,
      is_deleted: false,
      status: 'sent',
      reactions: {},
    });
    signInAs(omid.access_token);
    const reply = await sendMessage(direct.chat_id, 'Fine & you? 100%', first.id);
    expect(reply).toMatchObject({ content: 'Fine & you? 100%', reply_to: first.id, sender_name: 'Omid' });
    expect(reply.reply_to_message).toMatchObject({ id: first.id, sender_id: sara.user.id, sender_name: 'سارا احمدی', content: 'سلام! چطوری؟', message_type: 'text' });

    // 6.6: pages of 50 counted from the newest, each oldest → newest.
    for (let i = 3; i <= 60; i += 1) {
      await sendMessage(direct.chat_id, `message ${i}`);
    }
    const page1 = await getMessages(direct.chat_id);
    expect(Object.keys(page1).sort()).toEqual(expect.arrayContaining(['has_more', 'limit', 'messages', 'skip', 'total']));
    expect(page1).toMatchObject({ total: 60, has_more: true, skip: 0, limit: 50 });
    expect(page1.messages).toHaveLength(50);
    expect(page1.messages[0].content).toBe('message 11');
    expect(page1.messages.at(-1).content).toBe('message 60');
    for (const m of page1.messages) {
      expect(Object.keys(m)).toEqual(expect.arrayContaining(MESSAGE_FIELDS));
    }
    const page2 = await getMessages(direct.chat_id, 50, 50);
    expect(page2).toMatchObject({ total: 60, has_more: false, skip: 50, limit: 50 });
    expect(page2.messages.map((m: { content: string }) => m.content)).toEqual(['سلام! چطوری؟', 'Fine & you? 100%', ...Array.from({ length: 8 }, (_, i) => `message ${i + 3}`)]);

    // 6.7: edit my own message.
    const edited = await editMessage(direct.chat_id, reply.id, 'Fine, and you?');
    expect(Object.keys(edited)).toEqual(expect.arrayContaining(MESSAGE_FIELDS));
    expect(edited).toMatchObject({ id: reply.id, content: 'Fine, and you?', reply_to: first.id });
    expect(typeof edited.edited_at).toBe('string');

    // 6.8: react, and react again to take it back.
    signInAs(saraToken);
    const reacted = await reactToMessage(direct.chat_id, reply.id, '❤️');
    expect(reacted).toEqual({ status: 'reacted', reactions: { '❤️': [sara.user.id] } });
    signInAs(omid.access_token);
    const both = await reactToMessage(direct.chat_id, reply.id, '❤️');
    expect(both.reactions['❤️'].sort()).toEqual([sara.user.id, omid.user.id].sort());
    const undone = await reactToMessage(direct.chat_id, reply.id, '❤️');
    expect(undone).toEqual({ status: 'unreacted', reactions: { '❤️': [sara.user.id] } });

    // 3.3: the list the seed's chat screen renders.
    signInAs(layla.access_token);
    const chats = await getChats();
    expect(chats.map((c: { id: string }) => c.id).sort()).toEqual([group.chat_id, plain.chat_id].sort());
    const g = chats.find((c: { id: string }) => c.id === group.chat_id);
    expect(g).toMatchObject({ chat_type: 'group', group_name: 'گروه دوستان' });
    expect(g.group_image).toMatch(/^\/uploads\//);
    expect((await fetch(BASE + g.group_image)).status).toBe(200);
    expect(g.participants).toHaveLength(3);
    expect(g.last_message).toMatchObject({ message_type: 'system', sender_id: sara.user.id, sender_name: 'سارا احمدی' });
    signInAs(saraToken);
    const saraChats = await getChats();
    const d = saraChats.find((c: { id: string }) => c.id === direct.chat_id);
    expect(d).toMatchObject({ chat_type: 'single', group_name: null, group_image: null, unread_count: 59 });
    expect(d.last_message).toMatchObject({ content: 'message 60', message_type: 'text', sender_id: omid.user.id, sender_name: 'Omid' });
    expect(saraChats[0].id).toBe(direct.chat_id);
  });

  it('errors carry the `detail` the seed’s clients show', async () => {
    const solo = await register(`solo_${Date.now().toString(36)}`, `solo_${Date.now().toString(36)}@example.com`, 'solo-password-1', 'Solo');
    signInAs(solo.access_token);
    const self = await createChat(solo.user.username);
    expect(typeof self.detail).toBe('string');
    const nobody = await createChat('nobody-at-all@example.com');
    expect(nobody.detail).toBe('User not found');
    const noName = await createGroup('', []);
    expect(typeof noName.detail).toBe('string');
  });
});
