import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Api, register, type Registered } from '../../support/client.js';
import { expectProblem } from '../../support/expect.js';
import { startServer, type TestServer } from '../../support/server.js';
import { direct, download, EXIF_MARKER, expectStatus, getMessage, jpegWithExif, messageRows, png, send, sendFile, storedFiles, uploadForm } from './helpers.js';

let server: TestServer;
let api: Api;
let a: Registered;
let b: Registered;
let chat: string;

beforeAll(async () => {
  server = await startServer();
  api = new Api(server.url);
  a = await register(api, { full_name: 'Uploader' });
  b = await register(api);
  chat = await direct(api, a, b);
});
afterAll(() => server.close());

const STORED_KEY = /^files\/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}(\.thumb\.webp)?$/;
const FILE_URL = /^\/uploads\/files\/[0-9a-f-]{36}\?exp=\d+&sig=[\w-]+$/;
const THUMB_URL = /^\/uploads\/files\/[0-9a-f-]{36}\/thumb\?exp=\d+&sig=[\w-]+$/;

/** A minimal PCM WAV: a RIFF header and a little silence. */
function wav(): Buffer {
  const samples = Buffer.alloc(8000);
  const header = Buffer.alloc(44);
  header.write('RIFF', 0, 'ascii');
  header.writeUInt32LE(36 + samples.length, 4);
  header.write('WAVE', 8, 'ascii');
  header.write('fmt ', 12, 'ascii');
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(1, 20);
  header.writeUInt16LE(1, 22);
  header.writeUInt32LE(8000, 24);
  header.writeUInt32LE(8000, 28);
  header.writeUInt16LE(1, 32);
  header.writeUInt16LE(8, 34);
  header.write('data', 36, 'ascii');
  header.writeUInt32LE(samples.length, 40);
  return Buffer.concat([header, samples]);
}

function upload(form: FormData, who: Registered = a, chatId = chat) {
  return api.post(`/api/chats/${chatId}/messages/file`, { token: who.token, form });
}

describe('POST /api/chats/{id}/messages/file', () => {
  it('a PNG becomes an image message with file {url, name, size, mime, width, height, thumbnail_url}', async () => {
    const image = await png(640, 480);
    const res = await upload(uploadForm(image, 'photo.png', 'image/png'));
    expectStatus(res, 201);
    const m = res.body;
    expect(m).toMatchObject({ chat_id: chat, sender_id: a.user.id, sender_name: 'Uploader', message_type: 'image', content: 'photo.png', is_deleted: false });
    expect(m.file).toEqual({
      id: expect.any(String),
      url: expect.stringMatching(FILE_URL),
      name: 'photo.png',
      size: expect.any(Number),
      mime: 'image/png',
      width: 640,
      height: 480,
      thumbnail_url: expect.stringMatching(THUMB_URL),
    });
    expect(m.file_url).toBe(m.file.url);
    // The other member sees the same file.
    expect((await getMessage(api, b, chat, m.id)).file).toMatchObject({ name: 'photo.png', mime: 'image/png', width: 640, height: 480 });
    const got = await download(server, m.file.url);
    expect(got.status).toBe(200);
    expect(got.headers.get('content-type')).toBe('image/png');
    expect(got.headers.get('content-disposition')).toMatch(/^inline;/);
    expect(got.headers.get('x-content-type-options')).toBe('nosniff');
    expect(Number(got.headers.get('content-length'))).toBe(m.file.size);
    expect(got.bytes.length).toBe(m.file.size);
    const meta = await sharp(got.bytes).metadata();
    expect(meta).toMatchObject({ format: 'png', width: 640, height: 480 });
  });

  it("a JPEG's EXIF (GPS, camera, author) never leaves the server", async () => {
    const jpeg = await jpegWithExif(800, 600);
    expect(jpeg.includes(EXIF_MARKER)).toBe(true);
    const m = await sendFile(api, a, chat, jpeg, 'IMG_0001.JPG');
    expect(m.message_type).toBe('image');
    expect(m.file).toMatchObject({ mime: 'image/jpeg', width: 800, height: 600 });
    const got = await download(server, m.file.url);
    expect(got.status).toBe(200);
    expect(got.headers.get('content-type')).toBe('image/jpeg');
    expect(got.bytes.includes(EXIF_MARKER)).toBe(false);
    const meta = await sharp(got.bytes).metadata();
    expect(meta.format).toBe('jpeg');
    expect(meta.exif).toBeUndefined();
    const thumb = await download(server, m.file.thumbnail_url);
    expect(thumb.bytes.includes(EXIF_MARKER)).toBe(false);
    // Nothing on disk holds it either.
    const stored = await server.storage.db.selectFrom('files').select(['storage_key', 'thumb_key']).where('id', '=', m.file.id).executeTakeFirstOrThrow();
    expect(stored.storage_key).toMatch(STORED_KEY);
  });

  it('a JPEG that EXIF says to rotate is stored upright, with the displayed width and height', async () => {
    const sideways = await sharp({ create: { width: 600, height: 200, channels: 3, background: { r: 0, g: 128, b: 0 } } })
      .jpeg()
      .withMetadata({ orientation: 6 })
      .toBuffer();
    const m = await sendFile(api, a, chat, sideways, 'rotated.jpg');
    expect(m.file).toMatchObject({ width: 200, height: 600 });
    const meta = await sharp((await download(server, m.file.url)).bytes).metadata();
    expect(meta).toMatchObject({ width: 200, height: 600 });
    expect(meta.orientation ?? 1).toBe(1);
  });

  it('a decompression bomb is kept as a plain file and never decoded', async () => {
    const bomb = await sharp({ create: { width: 8000, height: 8000, channels: 3, background: '#ffffff' }, limitInputPixels: false })
      .png({ compressionLevel: 9 })
      .toBuffer();
    const m = await sendFile(api, a, chat, bomb, 'innocent.png');
    expect(m.message_type).toBe('file');
    expect(m.file.mime).toBe('application/octet-stream');
    expect(m.file.size).toBe(bomb.length);
    expect(m.file.thumbnail_url ?? null).toBeNull();
  }, 60_000);

  it('the thumbnail is a WebP no larger than 320 px, keeping the aspect ratio and never enlarging', async () => {
    const wide = await sendFile(api, a, chat, await png(1000, 500), 'wide.png');
    const thumb = await download(server, wide.file.thumbnail_url);
    expect(thumb.status).toBe(200);
    expect(thumb.headers.get('content-type')).toBe('image/webp');
    expect(thumb.headers.get('x-content-type-options')).toBe('nosniff');
    expect(await sharp(thumb.bytes).metadata()).toMatchObject({ format: 'webp', width: 320, height: 160 });
    const tall = await sendFile(api, a, chat, await png(300, 900), 'tall.png');
    const tallThumb = await sharp((await download(server, tall.file.thumbnail_url)).bytes).metadata();
    expect(tallThumb.height).toBe(320);
    expect(tallThumb.width).toBeLessThanOrEqual(320);
    const small = await sendFile(api, a, chat, await png(100, 80), 'small.png');
    expect(await sharp((await download(server, small.file.thumbnail_url)).bytes).metadata()).toMatchObject({ width: 100, height: 80 });
  });

  it('the type comes from the content, not the name or the declared type', async () => {
    const image = await png(50, 50);
    const res = await api.post(`/api/chats/${chat}/messages/file`, { token: a.token, form: uploadForm(image, 'document.pdf', 'application/pdf') });
    expectStatus(res, 201);
    expect(res.body.message_type).toBe('image');
    expect(res.body.file.mime).toBe('image/png');
    const text = await api.post(`/api/chats/${chat}/messages/file`, { token: a.token, form: uploadForm(Buffer.from('just words'), 'fake.png', 'image/png') });
    expect(text.body.message_type).toBe('file');
    expect(text.body.file.mime).toBe('text/plain');
  });

  it('a text file is a "file" message with mime text/plain and no image fields', async () => {
    const m = await sendFile(api, a, chat, Buffer.from('Shopping list:\n- bread\n- نان\n'), 'list.txt');
    expect(m.message_type).toBe('file');
    expect(m.content).toBe('list.txt');
    expect(m.file).toMatchObject({ name: 'list.txt', mime: 'text/plain', size: Buffer.byteLength('Shopping list:\n- bread\n- نان\n') });
    expect(m.file.width ?? null).toBeNull();
    expect(m.file.height ?? null).toBeNull();
    expect(m.file.thumbnail_url ?? null).toBeNull();
    const got = await download(server, m.file.url);
    expect(got.status).toBe(200);
    expect(got.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(got.headers.get('x-content-type-options')).toBe('nosniff');
    expect(got.bytes.toString('utf8')).toBe('Shopping list:\n- bread\n- نان\n');
  });

  it('a WAV is an audio message', async () => {
    const m = await sendFile(api, a, chat, wav(), 'voice.wav');
    expect(m.message_type).toBe('audio');
    expect(m.file.mime).toMatch(/^audio\//);
  });

  it('random bytes are a "file" of application/octet-stream, served as a download', async () => {
    const bytes = Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919 + 13) % 256));
    const m = await sendFile(api, a, chat, bytes, 'blob.bin');
    expect(m.message_type).toBe('file');
    expect(m.file.mime).toBe('application/octet-stream');
    const got = await download(server, m.file.url);
    expect(got.headers.get('content-disposition')).toMatch(/^attachment;/);
    expect(got.bytes.equals(bytes)).toBe(true);
  });

  it('a file that claims to be an image but does not decode is kept as a plain file', async () => {
    const broken = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(200, 7)]);
    const m = await sendFile(api, a, chat, broken, 'broken.png');
    expect(m.message_type).toBe('file');
    expect(m.file.mime).toBe('application/octet-stream');
    expect(m.file.thumbnail_url ?? null).toBeNull();
  });

  it('HTML and SVG are served as downloads: attachment, nosniff, and a sandboxing CSP', async () => {
    const html = Buffer.from('<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>');
    const svg = Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><script>alert(1)</script></svg>');
    const xmlSvg = Buffer.from('<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>');
    for (const [bytes, name, mime] of [
      [html, 'page.html', 'text/html'],
      [svg, 'logo.svg', 'image/svg+xml'],
      [xmlSvg, 'logo2.svg', 'image/svg+xml'],
    ] as const) {
      const m = await sendFile(api, a, chat, bytes, name);
      expect(m.message_type, name).toBe('file');
      expect(m.file.mime, name).toBe(mime);
      expect(m.file.thumbnail_url ?? null).toBeNull();
      const got = await download(server, m.file.url);
      expect(got.status).toBe(200);
      expect(got.headers.get('content-disposition'), name).toMatch(/^attachment;/);
      expect(got.headers.get('x-content-type-options')).toBe('nosniff');
      expect(got.headers.get('content-type'), name).not.toMatch(/html|svg|xml/);
      const csp = got.headers.get('content-security-policy') ?? '';
      expect(csp).toContain('sandbox');
      expect(csp).toContain("default-src 'none'");
      expect(got.bytes.equals(bytes)).toBe(true);
    }
  });

  it('a caption, a reply and a client_id travel as form fields', async () => {
    const first = await send(api, b, chat, 'send me the map');
    const form = uploadForm(await png(30, 30), 'map.png', 'image/png', { content: 'here it is 🗺️', reply_to: first.id, client_id: 'file-1' });
    const res = await upload(form);
    expectStatus(res, 201);
    expect(res.body).toMatchObject({ content: 'here it is 🗺️', reply_to: first.id, client_id: 'file-1', message_type: 'image' });
    expect(res.body.reply_to_message).toMatchObject({ id: first.id, content: 'send me the map' });
    // The retry replays it without storing anything new.
    const filesBefore = storedFiles(server).length;
    const again = await upload(uploadForm(await png(30, 30), 'map.png', 'image/png', { client_id: 'file-1' }));
    expectStatus(again, 201);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.body.id).toBe(res.body.id);
    expect(storedFiles(server).length).toBe(filesBefore);
    // The Idempotency-Key header works here too.
    const keyed = await api.post(`/api/chats/${chat}/messages/file`, {
      token: a.token,
      form: uploadForm(Buffer.from('k'), 'k.txt'),
      headers: { 'idempotency-key': 'file-key' },
    });
    const keyedAgain = await api.post(`/api/chats/${chat}/messages/file`, {
      token: a.token,
      form: uploadForm(Buffer.from('k'), 'k.txt'),
      headers: { 'idempotency-key': 'file-key' },
    });
    expect(keyedAgain.body.id).toBe(keyed.body.id);
    expect(keyedAgain.headers.get('idempotent-replayed')).toBe('true');
  });

  it('a blank caption falls back to the file name', async () => {
    const m = await sendFile(api, a, chat, Buffer.from('x'), 'name.txt', { content: '   ' });
    expect(m.content).toBe('name.txt');
  });

  it('400 invalid_reply for a reply_to of another chat, and nothing is stored', async () => {
    const c = await register(api);
    const other = await direct(api, a, c);
    const foreign = await send(api, a, other, 'elsewhere');
    const filesBefore = storedFiles(server);
    expectProblem(await upload(uploadForm(await png(20, 20), 'x.png', 'image/png', { reply_to: foreign.id })), 400, 'invalid_reply');
    expect(storedFiles(server)).toEqual(filesBefore);
  });

  it('Arabic and Persian file names are kept for display and in Content-Disposition', async () => {
    const name = 'گزارش سالانه ۱۴۰۳ - تقرير.txt';
    const m = await sendFile(api, a, chat, Buffer.from('محتوا'), name);
    expect(m.file.name).toBe(name);
    expect(m.content).toBe(name);
    const got = await download(server, m.file.url);
    const disposition = got.headers.get('content-disposition') ?? '';
    expect(disposition).toContain(`filename*=UTF-8''${encodeURIComponent(name)}`);
    // The plain filename= fallback is ASCII only.
    expect(/filename="([\x20-\x7e]*)"/.test(disposition)).toBe(true);
  });

  it("the client's file name never becomes a storage path", async () => {
    const before = new Set(storedFiles(server));
    const tricks = ['../../x.txt', '..\\..\\evil.txt', '/etc/passwd', '..', 'a/../../b.txt', 'C:\\Windows\\win.ini', 'ok\u202Etxt.exe', '\u0000nul.txt'];
    const names: string[] = [];
    for (const name of tricks) {
      const m = await sendFile(api, a, chat, Buffer.from(`payload for ${name}`), name);
      names.push(m.file.name);
      expect(m.file.name).not.toMatch(/[\\/]/);
      expect(m.file.name).not.toBe('..');
      expect((await download(server, m.file.url)).status).toBe(200);
    }
    expect(names.slice(0, 3)).toEqual(['x.txt', 'evil.txt', 'passwd']);
    expect(names[3]).toBe('file');
    expect(names[6]).not.toContain('\u202E');
    const added = storedFiles(server).filter((f) => !before.has(f));
    expect(added).toHaveLength(tricks.length);
    for (const key of added) {
      expect(key).toMatch(STORED_KEY);
    }
    expect(storedFiles(server).some((f) => /x\.txt|evil|passwd|win\.ini/.test(f))).toBe(false);
  });

  it('uploads above the JSON body limit (1 MB) are fine up to MAX_UPLOAD_BYTES', async () => {
    const big = Buffer.alloc(1_500_000, 0xab);
    const m = await sendFile(api, a, chat, big, 'big.bin');
    expect(m.file.size).toBe(big.length);
  });

  it('400 missing_file without a file part (or with an empty one)', async () => {
    const before = await messageRows(server, chat);
    const form = new FormData();
    form.append('content', 'caption only');
    expectProblem(await upload(form), 400, 'missing_file');
    expectProblem(await upload(uploadForm(Buffer.alloc(0), 'empty.txt')), 400, 'missing_file');
    const wrongField = new FormData();
    wrongField.append('image', new Blob([new Uint8Array(await png(10, 10))]), 'a.png');
    expectProblem(await upload(wrongField), 400, 'missing_file');
    expect(await messageRows(server, chat)).toBe(before);
  });

  it('415 for JSON (or anything else that is not multipart)', async () => {
    const res = await api.post(`/api/chats/${chat}/messages/file`, { token: a.token, body: { content: 'no file here' } });
    expectProblem(res, 415, 'unsupported_media_type');
    expectProblem(
      await api.post(`/api/chats/${chat}/messages/file`, { token: a.token, raw: 'plain', headers: { 'content-type': 'text/plain' } }),
      415,
      'unsupported_media_type',
    );
  });

  it('403 not_a_member and 404 chat_not_found, with nothing stored', async () => {
    const outsider = await register(api);
    const before = storedFiles(server);
    expectProblem(await upload(uploadForm(await png(10, 10), 'a.png'), outsider), 403, 'not_a_member');
    expectProblem(await upload(uploadForm(await png(10, 10), 'a.png'), a, '01936d3c-7b1a-7c3e-9d52-3f6a1b2c4d5e'), 404, 'chat_not_found');
    expect(storedFiles(server)).toEqual(before);
  });

  it('403 blocked in a direct chat after a block, with nothing stored', async () => {
    const x = await register(api);
    const y = await register(api);
    const xy = await direct(api, x, y);
    expectStatus(await api.post(`/api/users/${x.user.id}/block`, { token: y.token }), 200);
    const before = storedFiles(server);
    expectProblem(await upload(uploadForm(await png(10, 10), 'a.png'), x, xy), 403, 'blocked');
    expect(storedFiles(server)).toEqual(before);
  });
});

describe('signed file URLs', () => {
  let m: any;
  let other: any;
  beforeAll(async () => {
    m = await sendFile(api, a, chat, await png(120, 90), 'signed.png');
    other = await sendFile(api, a, chat, Buffer.from('another file'), 'other.txt');
  });

  const parse = (url: string) => {
    const u = new URL(url, 'http://x');
    return { path: u.pathname, exp: u.searchParams.get('exp') as string, sig: u.searchParams.get('sig') as string };
  };

  it('work without any auth header, and send a private cache header', async () => {
    const res = await fetch(server.url + m.file.url);
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toMatch(/^private, max-age=\d+$/);
  });

  it('a tampered signature is 404', async () => {
    const { path, exp, sig } = parse(m.file.url);
    const flipped = (sig[0] === 'A' ? 'B' : 'A') + sig.slice(1);
    expectProblem(await api.get(`${path}?exp=${exp}&sig=${flipped}`), 404, 'file_not_found');
    expectProblem(await api.get(`${path}?exp=${exp}&sig=`), 404, 'file_not_found');
    expectProblem(await api.get(`${path}?exp=${exp}&sig=${sig}x`), 404, 'file_not_found');
  });

  it('a changed expiry is 404', async () => {
    const { path, exp, sig } = parse(m.file.url);
    expectProblem(await api.get(`${path}?exp=${Number(exp) + 1000}&sig=${sig}`), 404, 'file_not_found');
    expectProblem(await api.get(`${path}?exp=${Number(exp) * 10}&sig=${sig}`), 404, 'file_not_found');
  });

  it("another file's id with this signature is 404, and a file signature does not open the thumbnail", async () => {
    const { exp, sig } = parse(m.file.url);
    expectProblem(await api.get(`/uploads/files/${other.file.id}?exp=${exp}&sig=${sig}`), 404, 'file_not_found');
    expectProblem(await api.get(`/uploads/files/${m.file.id}/thumb?exp=${exp}&sig=${sig}`), 404, 'file_not_found');
    const thumb = parse(m.file.thumbnail_url);
    expectProblem(await api.get(`/uploads/files/${m.file.id}?exp=${thumb.exp}&sig=${thumb.sig}`), 404, 'file_not_found');
  });

  it('missing or malformed parameters are refused, never 500', async () => {
    const { path, exp } = parse(m.file.url);
    for (const url of [path, `${path}?exp=${exp}`, `${path}?sig=abc`, `${path}?exp=soon&sig=abc`, '/uploads/files/..%2F..%2Fmajlis.db?exp=1&sig=x']) {
      const res = await api.get(url);
      expect([400, 404], `${url}: ${res.text}`).toContain(res.status);
    }
  });

  it('expire after FILE_URL_TTL (plus the rounding bucket); the message then carries a fresh URL', async () => {
    const fresh = await getMessage(api, b, chat, m.id);
    expect((await download(server, fresh.file.url)).status).toBe(200);
    const ttl = server.config.FILE_URL_TTL;
    const bucket = Math.max(1000, Math.min(Math.floor(ttl / 4), 600_000));
    // Still valid just before the TTL.
    server.clock.advance(ttl - 1000);
    expect((await download(server, fresh.file.url)).status).toBe(200);
    server.clock.advance(bucket + 2000);
    expectProblem(await api.get(fresh.file.url), 404, 'file_not_found');
    expectProblem(await api.get(fresh.file.thumbnail_url), 404, 'file_not_found');
    const renewed = await getMessage(api, b, chat, m.id);
    expect(renewed.file.url).not.toBe(fresh.file.url);
    expect((await download(server, renewed.file.url)).status).toBe(200);
    expect((await download(server, renewed.file.thumbnail_url)).status).toBe(200);
  });
});

describe('MAX_UPLOAD_BYTES', () => {
  let small: TestServer;
  let smallApi: Api;
  beforeAll(async () => {
    small = await startServer({ MAX_UPLOAD_BYTES: '100KB' });
    smallApi = new Api(small.url);
  });
  afterAll(() => small.close());

  it('413 file_too_large above the limit, and nothing is stored', async () => {
    const x = await register(smallApi);
    const y = await register(smallApi);
    const xy = await direct(smallApi, x, y);
    const ok = await smallApi.post(`/api/chats/${xy}/messages/file`, { token: x.token, form: uploadForm(Buffer.alloc(90 * 1024, 1), 'fits.bin') });
    expectStatus(ok, 201);
    const before = storedFiles(small);
    const res = await smallApi.post(`/api/chats/${xy}/messages/file`, { token: x.token, form: uploadForm(Buffer.alloc(150 * 1024, 1), 'too-big.bin') });
    expectProblem(res, 413, 'file_too_large');
    expect(storedFiles(small)).toEqual(before);
    expect(await messageRows(small, xy)).toBe(1);
  });
});
