import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Api, register, type Registered } from '../../support/client.js';
import { expectProblem } from '../../support/expect.js';
import { startServer, type TestServer } from '../../support/server.js';
import { direct, expectStatus, group, MESSAGE_FIELDS, send, UNKNOWN_ID } from './helpers.js';

let server: TestServer;
let api: Api;

let a: Registered;
let b: Registered;
let outsider: Registered;
/** a and b's direct chat, with the corpus below. */
let chat: string;
/** a second chat of a's, with b. */
let second: string;
/** a chat a is not in. */
let foreign: string;

const CORPUS = [
  'كتاب جديد في المكتبة', // Arabic kaf and yeh
  'این مدرسة بزرگ است', // teh marbuta
  'وَعَلَيْكُمُ السَّلَامُ وَرَحْمَةُ اللهِ', // tashkeel
  'ســـــلام دوستان', // tatweel
  'می‌خواهم بروم خانه', // with ZWNJ
  'کد تایید شما ۴۵۶۷۸ است', // Persian digits
  'سفارش ١٢٣٤ ارسال شد', // Arabic-Indic digits
  'أحمد و إبراهيم و آمنة', // hamza and madda alefs
  'علي رفت', // Arabic yeh
  'The Library opens at nine',
  'Café au lait, naïve résumé',
  'a well-known fact',
  'I am 100% sure',
  'کتابخانه مرکزی',
];

beforeAll(async () => {
  server = await startServer();
  api = new Api(server.url);
  a = await register(api);
  b = await register(api);
  outsider = await register(api);
  chat = await direct(api, a, b);
  second = await group(api, a, [b], 'Second');
  foreign = await direct(api, b, outsider);
  for (const text of CORPUS) {
    server.clock.advance(1000);
    await send(api, a, chat, text);
  }
});
afterAll(() => server.close());

async function search(who: Registered, chatId: string, text: string, param = 'query'): Promise<string[]> {
  const res = await api.get(`/api/chats/${chatId}/messages/search?${param}=${encodeURIComponent(text)}`, { token: who.token });
  expectStatus(res, 200);
  expect(Array.isArray(res.body)).toBe(true);
  return res.body.map((m: { content: string }) => m.content);
}

async function searchAll(who: Registered, text: string, param = 'q'): Promise<any[]> {
  const res = await api.get(`/api/messages/search?${param}=${encodeURIComponent(text)}`, { token: who.token });
  expectStatus(res, 200);
  return res.body;
}

describe('GET /api/chats/{id}/messages/search', () => {
  it('finds by query= and q=, answering full messages', async () => {
    expect(await search(a, chat, 'library')).toEqual(['The Library opens at nine']);
    expect(await search(b, chat, 'library', 'q')).toEqual(['The Library opens at nine']);
    const res = await api.get(`/api/chats/${chat}/messages/search?query=library`, { token: a.token });
    expect(Object.keys(res.body[0]).sort()).toEqual([...MESSAGE_FIELDS].sort());
    expect(res.body[0]).toMatchObject({ chat_id: chat, sender_id: a.user.id, message_type: 'text' });
  });

  it('is case-insensitive and ignores Latin accents', async () => {
    expect(await search(a, chat, 'LIBRARY')).toEqual(['The Library opens at nine']);
    expect(await search(a, chat, 'cafe')).toEqual(['Café au lait, naïve résumé']);
    expect(await search(a, chat, 'resume naive')).toEqual(['Café au lait, naïve résumé']);
  });

  it('Persian کتاب finds Arabic كتاب (kaf and yeh folded), and the other way round', async () => {
    expect(await search(a, chat, 'کتاب')).toContain('كتاب جديد في المكتبة');
    expect(await search(a, chat, 'جدید')).toEqual(['كتاب جديد في المكتبة']);
    expect(await search(a, chat, 'كتابخانه')).toEqual(['کتابخانه مرکزی']);
    expect(await search(a, chat, 'علی')).toEqual(['علي رفت']);
  });

  it('مدرسه finds مدرسة (teh marbuta folded)', async () => {
    expect(await search(a, chat, 'مدرسه')).toEqual(['این مدرسة بزرگ است']);
    expect(await search(a, chat, 'مدرسة')).toEqual(['این مدرسة بزرگ است']);
  });

  it('ignores tashkeel on either side', async () => {
    expect(await search(a, chat, 'السلام')).toEqual(['وَعَلَيْكُمُ السَّلَامُ وَرَحْمَةُ اللهِ']);
    expect(await search(a, chat, 'وعليكم')).toEqual(['وَعَلَيْكُمُ السَّلَامُ وَرَحْمَةُ اللهِ']);
    expect(await search(a, chat, 'وَرَحْمَةُ')).toEqual(['وَعَلَيْكُمُ السَّلَامُ وَرَحْمَةُ اللهِ']);
  });

  it('ignores tatweel on either side', async () => {
    expect(await search(a, chat, 'سلام')).toContain('ســـــلام دوستان');
    expect(await search(a, chat, 'دوســتان')).toEqual(['ســـــلام دوستان']);
  });

  it('treats ZWNJ as a joiner: می‌خواهم and میخواهم find each other', async () => {
    expect(await search(a, chat, 'میخواهم')).toEqual(['می‌خواهم بروم خانه']);
    expect(await search(a, chat, 'می‌خواهم')).toEqual(['می‌خواهم بروم خانه']);
  });

  it('folds Persian and Arabic-Indic digits to ASCII', async () => {
    expect(await search(a, chat, '45678')).toEqual(['کد تایید شما ۴۵۶۷۸ است']);
    expect(await search(a, chat, '۴۵۶۷۸')).toEqual(['کد تایید شما ۴۵۶۷۸ است']);
    expect(await search(a, chat, '١٢٣٤')).toEqual(['سفارش ١٢٣٤ ارسال شد']);
    expect(await search(a, chat, '۱۲۳۴')).toEqual(['سفارش ١٢٣٤ ارسال شد']);
  });

  it('folds the alef forms (hamza above and below, madda)', async () => {
    expect(await search(a, chat, 'احمد')).toEqual(['أحمد و إبراهيم و آمنة']);
    expect(await search(a, chat, 'ابراهیم')).toEqual(['أحمد و إبراهيم و آمنة']);
    expect(await search(a, chat, 'امنه')).toEqual(['أحمد و إبراهيم و آمنة']);
  });

  it('matches word prefixes', async () => {
    expect(await search(a, chat, 'libr')).toEqual(['The Library opens at nine']);
    expect(await search(a, chat, 'کتاب')).toEqual(['کتابخانه مرکزی', 'كتاب جديد في المكتبة']);
  });

  it('matches the start of words, not their middle (the same on every database)', async () => {
    expect(await search(a, chat, 'brary')).toEqual([]);
    expect(await search(a, chat, 'عليكم')).toEqual([]);
    expect(await search(a, chat, 'known')).toEqual(['a well-known fact']);
  });

  it('every word must match', async () => {
    expect(await search(a, chat, 'library nine')).toEqual(['The Library opens at nine']);
    expect(await search(a, chat, 'library ten')).toEqual([]);
  });

  it('answers newest first', async () => {
    const x = await register(api);
    const y = await register(api);
    const xy = await direct(api, x, y);
    for (const word of ['first', 'second', 'third']) {
      server.clock.advance(1000);
      await send(api, x, xy, `ordered ${word}`);
    }
    expect(await search(x, xy, 'ordered')).toEqual(['ordered third', 'ordered second', 'ordered first']);
    const res = await api.get(`/api/chats/${xy}/messages/search?query=ordered&limit=2`, { token: x.token });
    expect(res.body.map((m: { content: string }) => m.content)).toEqual(['ordered third', 'ordered second']);
  });

  it('FTS syntax in the query is literal and never a 500', async () => {
    expect(await search(a, chat, 'well-known')).toEqual(['a well-known fact']);
    expect(await search(a, chat, '100%')).toEqual(['I am 100% sure']);
    const nasty = [
      '"',
      '""',
      '"library',
      'library"',
      '*',
      'lib*',
      '-',
      '-library',
      'NEAR',
      'NEAR(library nine)',
      'library OR nine',
      'library AND',
      'NOT library',
      '(',
      ')',
      ':',
      'search_text:library',
      '^library',
      "'",
      '\\',
      '%',
      '_',
      '%%',
      'a_b',
      '{library}',
      '+',
      '؟',
      '\u200c',
      '\u0640',
      'ـــ',
      '\u064b',
    ];
    for (const q of nasty) {
      const res = await api.get(`/api/chats/${chat}/messages/search?query=${encodeURIComponent(q)}`, { token: a.token });
      expect(res.status, `${q}: ${res.text.slice(0, 200)}`).toBe(200);
      expect(Array.isArray(res.body)).toBe(true);
    }
    // Operators are words to look for, not operators: nothing contains "near" or "or".
    expect(await search(a, chat, 'NEAR(library nine)')).toEqual([]);
    expect(await search(a, chat, 'library OR nine')).toEqual([]);
    // A wildcard is not a wildcard.
    expect(await search(a, chat, '%')).not.toHaveLength(CORPUS.length);
    expect(await search(a, chat, '_')).toEqual([]);
  });

  it('an empty or blank query finds nothing', async () => {
    expect(await search(a, chat, '')).toEqual([]);
    expect(await search(a, chat, '   ')).toEqual([]);
    const res = await api.get(`/api/chats/${chat}/messages/search`, { token: a.token });
    expectStatus(res, 200);
    expect(res.body).toEqual([]);
  });

  it('deleted messages are not found', async () => {
    const m = await send(api, b, second, 'ephemeral zebra');
    expect(await search(a, second, 'zebra')).toEqual(['ephemeral zebra']);
    expectStatus(await api.delete(`/api/chats/${second}/messages/${m.id}`, { token: b.token }), 200);
    expect(await search(a, second, 'zebra')).toEqual([]);
    expect(await searchAll(a, 'zebra')).toEqual([]);
  });

  it('edited messages are found by their new text, not the old', async () => {
    const m = await send(api, b, second, 'original giraffe');
    expectStatus(await api.put(`/api/chats/${second}/messages/${m.id}`, { token: b.token, body: { content: 'renamed okapi' } }), 200);
    expect(await search(a, second, 'giraffe')).toEqual([]);
    expect(await search(a, second, 'okapi')).toEqual(['renamed okapi']);
    expect((await searchAll(b, 'giraffe')).length).toBe(0);
  });

  it('system messages are not found', async () => {
    expect(await search(a, second, 'created')).toEqual([]);
  });

  it('403 not_a_member for a chat I am not in; 404 for no chat; 400 for an over-long query', async () => {
    await send(api, b, foreign, 'hidden hippo');
    const res = await api.get(`/api/chats/${foreign}/messages/search?query=hippo`, { token: a.token });
    expectProblem(res, 403, 'not_a_member');
    expect(res.text).not.toContain('hippo"');
    expectProblem(await api.get(`/api/chats/${UNKNOWN_ID}/messages/search?query=x`, { token: a.token }), 404, 'chat_not_found');
    expectProblem(await api.get(`/api/chats/${chat}/messages/search?query=${'x'.repeat(201)}`, { token: a.token }), 400, 'validation_failed');
  });
});

describe('GET /api/messages/search', () => {
  it('searches every chat of mine, newest first, and never a chat I am not in', async () => {
    server.clock.advance(1000);
    await send(api, a, chat, 'rhinoceros in the direct chat');
    server.clock.advance(1000);
    await send(api, b, second, 'rhinoceros in the group');
    server.clock.advance(1000);
    await send(api, b, foreign, 'rhinoceros where a is not');
    const found = await searchAll(a, 'rhinoceros');
    expect(found.map((m) => [m.chat_id, m.content])).toEqual([
      [second, 'rhinoceros in the group'],
      [chat, 'rhinoceros in the direct chat'],
    ]);
    expect(await searchAll(a, 'rhinoceros', 'query')).toHaveLength(2);
    // b is in all three.
    expect((await searchAll(b, 'rhinoceros')).map((m) => m.chat_id)).toEqual([foreign, second, chat]);
    // The outsider sees only their chat.
    expect((await searchAll(outsider, 'rhinoceros')).map((m) => m.content)).toEqual(['rhinoceros where a is not']);
  });

  it('folds Arabic and Persian across chats too', async () => {
    expect((await searchAll(a, 'کتاب')).map((m) => m.content)).toEqual(['کتابخانه مرکزی', 'كتاب جديد في المكتبة']);
  });

  it('a chat I left is no longer searched', async () => {
    const owner = await register(api);
    const leaver = await register(api);
    const g = await group(api, owner, [leaver]);
    await send(api, owner, g, 'wombat sighting');
    expect(await searchAll(leaver, 'wombat')).toHaveLength(1);
    expectStatus(await api.post(`/api/chats/${g}/leave`, { token: leaver.token }), 200);
    expect(await searchAll(leaver, 'wombat')).toEqual([]);
  });

  it('a user with no chats finds nothing', async () => {
    const loner = await register(api);
    expect(await searchAll(loner, 'library')).toEqual([]);
  });

  it('401 without a token', async () => {
    expectProblem(await api.get('/api/messages/search?q=library'), 401, 'not_authenticated');
  });
});
