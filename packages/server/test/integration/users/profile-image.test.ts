import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Api, register, type Registered } from '../../support/client.js';
import { expectProblem } from '../../support/expect.js';
import { startServer, type TestServer } from '../../support/server.js';
import { download, fileForm, rawGet } from './helpers.js';

let server: TestServer;
let api: Api;

const AVATAR_URL = /^\/uploads\/avatars\/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\.webp$/;
const RED = { r: 255, g: 0, b: 0 };
const BLUE = { r: 0, g: 0, b: 255 };

let png1200x800: Buffer;
let orientedJpeg: Buffer;
let bombPng: Buffer;

beforeAll(async () => {
  server = await startServer();
  api = new Api(server.url);
  // Top half red, bottom half blue: lets a test see which way the picture ended up.
  png1200x800 = await sharp({ create: { width: 1200, height: 400, channels: 3, background: RED } })
    .extend({ bottom: 400, background: BLUE })
    .png()
    .toBuffer();
  // The same picture as a JPEG whose EXIF says "rotate 90° clockwise to display", plus private metadata.
  orientedJpeg = await sharp({ create: { width: 1200, height: 400, channels: 3, background: RED } })
    .extend({ bottom: 400, background: BLUE })
    .jpeg()
    .withMetadata({ orientation: 6 })
    .withExif({ IFD0: { Copyright: 'Secret-Copyright-Marker', Artist: 'Secret-Artist-Marker' } })
    .toBuffer();
  // A decompression bomb: ~1 MB on the wire, 20000×20000 pixels (1.2 GB) once decoded.
  bombPng = await sharp({ create: { width: 20000, height: 20000, channels: 3, background: '#ffffff' }, limitInputPixels: false })
    .png({ compressionLevel: 9 })
    .toBuffer();
}, 60_000);
afterAll(() => server.close());

function upload(token: string | undefined, form: FormData) {
  return api.post('/api/users/me/profile-image', { token, form });
}

async function pixel(image: Buffer, x: number, y: number): Promise<{ r: number; g: number; b: number }> {
  const { data, info } = await sharp(image).raw().toBuffer({ resolveWithObject: true });
  const at = (y * info.width + x) * info.channels;
  return { r: data[at] ?? -1, g: data[at + 1] ?? -1, b: data[at + 2] ?? -1 };
}

function isRed(p: { r: number; g: number; b: number }): boolean {
  return p.r > 200 && p.g < 60 && p.b < 60;
}
function isBlue(p: { r: number; g: number; b: number }): boolean {
  return p.b > 200 && p.r < 60 && p.g < 60;
}

/** A PNG whose header declares `width`×`height` but which carries the pixels of a 1×1 image. */
async function pngDeclaring(width: number, height: number): Promise<Buffer> {
  const png = Buffer.from(
    await sharp({ create: { width: 1, height: 1, channels: 3, background: '#000' } })
      .png()
      .toBuffer(),
  );
  // Signature (8) + IHDR length (4) + "IHDR" (4) + width (4) + height (4) ...; CRC over type + 13 data bytes.
  png.writeUInt32BE(width, 16);
  png.writeUInt32BE(height, 20);
  png.writeUInt32BE(crc32(png.subarray(12, 29)), 29);
  return png;
}

function avatarFiles(): string[] {
  const dir = join(server.dataDir, 'uploads', 'avatars');
  return existsSync(dir) ? readdirSync(dir).sort() : [];
}

describe('POST /api/users/me/profile-image', () => {
  let me: Registered;
  beforeAll(async () => {
    me = await register(api);
  });

  it('needs a token', async () => {
    const res = await upload(undefined, fileForm(png1200x800));
    expectProblem(res, 401, 'not_authenticated');
  });

  it('stores a PNG as a 512×512 WebP and returns its URL', async () => {
    const res = await upload(me.token, fileForm(png1200x800, 'photo.png', 'image/png'));
    expect(res.status).toBe(200);
    expect(Object.keys(res.body)).toEqual(['profile_image']);
    expect(res.body.profile_image).toMatch(AVATAR_URL);

    const profile = await api.get('/api/users/me', { token: me.token });
    expect(profile.body.profile_image).toBe(res.body.profile_image);
    const seen = await api.get(`/api/users/${me.user.id}`, { token: (await register(api)).token });
    expect(seen.body.profile_image).toBe(res.body.profile_image);

    // Served without a token, as WebP, square.
    const file = await download(server.url, res.body.profile_image);
    expect(file.status).toBe(200);
    expect(file.headers.get('content-type')).toBe('image/webp');
    expect(file.headers.get('cache-control')).toContain('immutable');
    expect(file.headers.get('x-content-type-options')).toBe('nosniff');
    expect(Number(file.headers.get('content-length'))).toBe(file.bytes.length);
    const meta = await sharp(file.bytes).metadata();
    expect(meta).toMatchObject({ format: 'webp', width: 512, height: 512 });
    // "cover" keeps the middle: the top of the square is red, the bottom blue.
    expect(isRed(await pixel(file.bytes, 256, 100))).toBe(true);
    expect(isBlue(await pixel(file.bytes, 256, 412))).toBe(true);
  });

  it('applies the EXIF orientation and then drops all metadata', async () => {
    const before = await sharp(orientedJpeg).metadata();
    expect(before.orientation).toBe(6);
    expect(before.exif).toBeDefined();
    expect(orientedJpeg.includes('Secret-Copyright-Marker')).toBe(true);

    const res = await upload(me.token, fileForm(orientedJpeg, 'IMG_0001.JPG', 'image/jpeg'));
    expect(res.status).toBe(200);
    expect(res.body.profile_image).toMatch(AVATAR_URL);
    const file = await download(server.url, res.body.profile_image);
    expect(file.status).toBe(200);
    const meta = await sharp(file.bytes).metadata();
    expect(meta).toMatchObject({ format: 'webp', width: 512, height: 512 });
    expect(meta.exif).toBeUndefined();
    expect(meta.xmp).toBeUndefined();
    expect(meta.orientation).toBeUndefined();
    expect(file.bytes.includes('Secret-Copyright-Marker')).toBe(false);
    expect(file.bytes.includes('Secret-Artist-Marker')).toBe(false);
    // Rotated 90° clockwise: the red top became the right side, the blue bottom the left.
    expect(isBlue(await pixel(file.bytes, 100, 256))).toBe(true);
    expect(isRed(await pixel(file.bytes, 412, 256))).toBe(true);
  });

  it('a new upload replaces the old file, which is then gone', async () => {
    const user = await register(api);
    const first = await upload(user.token, fileForm(png1200x800));
    expect(first.status).toBe(200);
    expect((await download(server.url, first.body.profile_image)).status).toBe(200);

    const second = await upload(user.token, fileForm(orientedJpeg, 'b.jpg', 'image/jpeg'));
    expect(second.status).toBe(200);
    expect(second.body.profile_image).not.toBe(first.body.profile_image);
    const old = await api.get(first.body.profile_image);
    expectProblem(old, 404, 'file_not_found');
    expect((await download(server.url, second.body.profile_image)).status).toBe(200);
    expect((await api.get('/api/users/me', { token: user.token })).body.profile_image).toBe(second.body.profile_image);
    const name = second.body.profile_image.split('/').pop();
    expect(avatarFiles()).toContain(name);
    expect(avatarFiles()).not.toContain(first.body.profile_image.split('/').pop());
  });

  it("recognises the format by content, not by the client's name or MIME type", async () => {
    const user = await register(api);
    const renamed = await upload(user.token, fileForm(png1200x800, 'not-an-image.txt', 'application/octet-stream'));
    expect(renamed.status).toBe(200);
    const webp = await sharp({ create: { width: 300, height: 200, channels: 3, background: '#00ff00' } })
      .webp()
      .toBuffer();
    const asWebp = await upload(user.token, fileForm(webp, 'x.webp', 'image/webp'));
    expect(asWebp.status).toBe(200);
    const gif = await sharp({ create: { width: 40, height: 40, channels: 4, background: '#00ff00' } })
      .gif()
      .toBuffer();
    const asGif = await upload(user.token, fileForm(gif, 'x.gif', 'image/gif'));
    expect(asGif.status).toBe(200);
    const meta = await sharp((await download(server.url, asGif.body.profile_image)).bytes).metadata();
    expect(meta).toMatchObject({ format: 'webp', width: 512, height: 512 });
  });

  it('415 unsupported_file_type for a text file', async () => {
    const user = await register(api);
    const before = avatarFiles();
    const res = await upload(user.token, fileForm(Buffer.from('hello, this is plainly text\n'.repeat(20)), 'notes.txt', 'text/plain'));
    expectProblem(res, 415, 'unsupported_file_type');
    expect(avatarFiles()).toEqual(before);
    expect((await api.get('/api/users/me', { token: user.token })).body.profile_image).toBeNull();
  });

  it('415 unsupported_file_type for an SVG renamed .png and sent as image/png', async () => {
    const user = await register(api);
    const svg = Buffer.from(
      '<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="100" height="100"><script>alert(1)</script><rect width="100" height="100" fill="red"/></svg>',
    );
    expectProblem(await upload(user.token, fileForm(svg, 'innocent.png', 'image/png')), 415, 'unsupported_file_type');
    const bare = Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10" height="10"/></svg>');
    expectProblem(await upload(user.token, fileForm(bare, 'a.png', 'image/png')), 415, 'unsupported_file_type');
  });

  it('415 unsupported_file_type for a non-image binary (a PDF)', async () => {
    const user = await register(api);
    const pdf = Buffer.from('%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n');
    expectProblem(await upload(user.token, fileForm(pdf, 'a.png', 'image/png')), 415, 'unsupported_file_type');
  });

  it('400 invalid_image for a truncated PNG', async () => {
    const user = await register(api);
    const before = avatarFiles();
    const truncated = png1200x800.subarray(0, Math.floor(png1200x800.length / 2));
    expectProblem(await upload(user.token, fileForm(truncated)), 400, 'invalid_image');
    expect(avatarFiles()).toEqual(before);
    expect((await api.get('/api/users/me', { token: user.token })).body.profile_image).toBeNull();
  });

  it('400 invalid_image for a PNG whose data is garbage', async () => {
    const user = await register(api);
    const corrupt = Buffer.from(png1200x800);
    for (let i = 40; i < corrupt.length; i += 1) {
      corrupt[i] = (i * 7919) & 0xff;
    }
    expectProblem(await upload(user.token, fileForm(corrupt)), 400, 'invalid_image');
    // Only the signature and the header chunk: recognised as PNG, but no pixel data.
    expectProblem(await upload(user.token, fileForm(png1200x800.subarray(0, 33))), 400, 'invalid_image');
  });

  it('400 invalid_image for a decompression bomb, and the server carries on', async () => {
    const user = await register(api);
    expect(bombPng.length).toBeLessThan(10 * 1024 * 1024);
    const meta = await sharp(bombPng, { limitInputPixels: false }).metadata();
    expect(meta).toMatchObject({ width: 20000, height: 20000 });
    expectProblem(await upload(user.token, fileForm(bombPng, 'bomb.png')), 400, 'invalid_image');
    // A tiny file that only claims a huge canvas.
    expectProblem(await upload(user.token, fileForm(await pngDeclaring(30000, 30000), 'liar.png')), 400, 'invalid_image');
    expect((await api.get('/healthz')).status).toBe(200);
    expect((await api.get('/api/users/me', { token: user.token })).body.profile_image).toBeNull();
    const ok = await upload(user.token, fileForm(png1200x800));
    expect(ok.status).toBe(200);
  });

  it('400 missing_file when there is no file part', async () => {
    const user = await register(api);
    const onlyText = new FormData();
    onlyText.append('file', 'I am a text field, not a file');
    onlyText.append('name', 'avatar');
    expectProblem(await upload(user.token, onlyText), 400, 'missing_file');
    expectProblem(await upload(user.token, new FormData()), 400, 'missing_file');
  });

  it('415 for a JSON body or no body instead of multipart', async () => {
    const user = await register(api);
    const json = await api.post('/api/users/me/profile-image', { token: user.token, body: { file: 'aGVsbG8=' } });
    expectProblem(json, 415, 'unsupported_media_type');
    const none = await api.post('/api/users/me/profile-image', { token: user.token });
    expect(none.status).toBe(415);
    const raw = await api.post('/api/users/me/profile-image', {
      token: user.token,
      raw: new Uint8Array(png1200x800),
      headers: { 'content-type': 'image/png' },
    });
    expectProblem(raw, 415, 'unsupported_media_type');
  });

  it("a deleted account's image disappears", async () => {
    const user = await register(api);
    const res = await upload(user.token, fileForm(png1200x800));
    expect(res.status).toBe(200);
    await api.delete('/api/users/me', { token: user.token });
    expect((await download(server.url, res.body.profile_image)).status).toBe(404);
  });
});

describe('upload size limit', () => {
  let small: TestServer;
  let smallApi: Api;
  beforeAll(async () => {
    small = await startServer({ MAX_UPLOAD_BYTES: '100KB' });
    smallApi = new Api(small.url);
  });
  afterAll(() => small.close());

  it('413 file_too_large above MAX_UPLOAD_BYTES, and a smaller image still works', async () => {
    const user = await register(smallApi);
    // Random noise does not compress: a ~190 KB PNG.
    const noise = Buffer.alloc(256 * 256 * 3);
    for (let i = 0; i < noise.length; i += 1) {
      noise[i] = (Math.imul(i, 2654435761) >>> 13) & 0xff;
    }
    const big = await sharp(noise, { raw: { width: 256, height: 256, channels: 3 } })
      .png({ compressionLevel: 0 })
      .toBuffer();
    expect(big.length).toBeGreaterThan(100 * 1024);
    const res = await smallApi.post('/api/users/me/profile-image', { token: user.token, form: fileForm(big) });
    expectProblem(res, 413, 'file_too_large');
    expect(res.body.detail).toContain(String(100 * 1024));
    expect((await smallApi.get('/api/users/me', { token: user.token })).body.profile_image).toBeNull();

    const fits = await sharp({ create: { width: 200, height: 200, channels: 3, background: '#abcdef' } })
      .png()
      .toBuffer();
    expect(fits.length).toBeLessThan(100 * 1024);
    const ok = await smallApi.post('/api/users/me/profile-image', { token: user.token, form: fileForm(fits) });
    expect(ok.status).toBe(200);
    expect(ok.body.profile_image).toMatch(AVATAR_URL);
  });
});

describe('GET /uploads/avatars/:name', () => {
  it('404 file_not_found for a well-formed name that does not exist', async () => {
    expectProblem(await api.get('/uploads/avatars/01936d3c-7b1a-7c3e-9d52-3f6a1b2c4d5e.webp'), 404, 'file_not_found');
  });

  it('refuses names that are not avatar names', async () => {
    for (const name of ['x.png', 'avatar.webp', '01936d3c-7b1a-7c3e-9d52-3f6a1b2c4d5e.webp.png', '.webp']) {
      const res = await api.get(`/uploads/avatars/${name}`);
      expect(res.status, name).toBeGreaterThanOrEqual(400);
      expect(res.status, name).toBeLessThan(500);
    }
  });

  it('never serves files outside the avatar directory', async () => {
    const secret = readFileSync(join(server.dataDir, 'jwt-secret'));
    const paths = [
      '/uploads/avatars/../../etc/passwd',
      '/uploads/avatars/../../../../../../etc/passwd',
      '/uploads/avatars/..%2F..%2F..%2F..%2F..%2Fetc%2Fpasswd',
      '/uploads/avatars/%2e%2e%2f%2e%2e%2f%2e%2e%2f%2e%2e%2fetc%2fpasswd',
      '/uploads/avatars/..%252F..%252Fetc%252Fpasswd',
      '/uploads/avatars/....//....//etc/passwd',
      '/uploads/avatars/..\\..\\jwt-secret',
      '/uploads/avatars/..%5C..%5Cjwt-secret',
      '/uploads/avatars/../../jwt-secret',
      '/uploads/avatars/..%2F..%2Fjwt-secret',
      '/uploads/avatars/..%2F..%2Fmajlis.db',
      '/uploads/../majlis.db',
      '/uploads/%2e%2e/jwt-secret',
      '/uploads/jwt-secret',
      '/jwt-secret',
      '/majlis.db',
      '/uploads/avatars/%00.webp',
      '/uploads/avatars/',
    ];
    for (const path of paths) {
      const res = await rawGet(server.url, path);
      expect(res.status, path).toBeGreaterThanOrEqual(400);
      expect(res.status, path).toBeLessThan(500);
      expect(res.body.includes('root:'), path).toBe(false);
      expect(res.body.includes(secret), path).toBe(false);
      expect(res.body.includes('SQLite format'), path).toBe(false);
    }
  });
});
