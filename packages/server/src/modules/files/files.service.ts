import { fileTypeFromBuffer } from 'file-type';
import sharp from 'sharp';
import { newId } from '../../lib/ids.js';
import type { FileStore } from '../../storage/files/file-store.js';
import type { MessageRow } from '../messages/messages.repo.js';

// Raster formats shown inline as images (and thumbnailed); anything else is a download.
const IMAGES = new Set(['image/jpeg', 'image/png', 'image/webp', 'image/gif', 'image/avif']);
const THUMB = 320;
const MAX_INPUT_PIXELS = 50_000_000;

export interface StoredUpload {
  key: string;
  thumbKey: string | null;
  mime: string;
  size: number;
  width: number | null;
  height: number | null;
  messageType: MessageRow['type'];
}

/** True when the bytes are valid UTF-8 text with no NUL (sent as text/plain). */
function looksLikeText(data: Buffer): boolean {
  if (data.includes(0)) {
    return false;
  }
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(data.subarray(0, 64 * 1024));
    return true;
  } catch {
    return false;
  }
}

/**
 * The type of text that a browser would run as markup (HTML, SVG, XML): named for what it is, so
 * it is never served inline, not even as text/plain (which old or misconfigured clients sniff).
 */
function markupMime(data: Buffer): string | null {
  const head = data.subarray(0, 4096).toString('utf8').replace(/^\uFEFF/, '').trimStart().toLowerCase();
  if (!head.startsWith('<')) {
    return null;
  }
  if (/<svg[\s>]/.test(head)) {
    return 'image/svg+xml';
  }
  if (/<!doctype html|<(html|head|body|script|iframe|object|embed|meta|style|img|a)[\s>]/.test(head)) {
    return 'text/html';
  }
  return head.startsWith('<?xml') ? 'application/xml' : null;
}

/** Strips anything path-like or invisible from a client's file name; it is only ever displayed. */
export function safeFileName(name: string | undefined): string {
  const base = (name ?? '').split(/[\\/]/).pop() ?? '';
  // Control characters and bidi overrides are removed on purpose (they disguise names).
  const cleaned = base.replace(/[\u0000-\u001f\u007f\u202a-\u202e\u2066-\u2069]/g, '').trim().slice(0, 200);
  return cleaned === '' || cleaned === '.' || cleaned === '..' ? 'file' : cleaned;
}

/**
 * Chat files: the type comes from the content (file-type), never from the client; images get
 * their size and a WebP thumbnail; bytes go to the file store under server-made keys.
 */
export class FilesService {
  constructor(private readonly store: FileStore) {}

  async ingest(input: Buffer): Promise<StoredUpload> {
    let data = input;
    const detected = await fileTypeFromBuffer(data);
    let mime = detected?.mime ?? (looksLikeText(data) ? (markupMime(data) ?? 'text/plain') : 'application/octet-stream');
    if (mime === 'application/xml') {
      mime = markupMime(data) ?? mime;
    }
    let width: number | null = null;
    let height: number | null = null;
    let thumb: Buffer | null = null;
    let messageType: MessageRow['type'] = 'file';
    if (IMAGES.has(mime)) {
      try {
        // Re-encoded in its own format so EXIF (GPS, camera) never leaves the sender's device.
        const animated = mime === 'image/gif' || mime === 'image/webp';
        const format = mime.slice('image/'.length) as 'jpeg' | 'png' | 'webp' | 'gif' | 'avif';
        const clean = await sharp(data, { limitInputPixels: MAX_INPUT_PIXELS, animated })
          .rotate()
          .toFormat(format, format === 'png' || format === 'gif' ? {} : { quality: 90 })
          .toBuffer({ resolveWithObject: true });
        data = clean.data;
        width = clean.info.width;
        height = clean.info.pageHeight ?? clean.info.height;
        thumb = await sharp(data, { limitInputPixels: MAX_INPUT_PIXELS })
          .resize(THUMB, THUMB, { fit: 'inside', withoutEnlargement: true })
          .webp({ quality: 75 })
          .toBuffer();
        messageType = 'image';
      } catch {
        // Claims to be an image but does not decode (or is a decompression bomb): keep it as a plain file.
        mime = 'application/octet-stream';
      }
    } else if (mime.startsWith('audio/')) {
      messageType = 'audio';
    } else if (mime.startsWith('video/')) {
      messageType = 'video';
    }
    const id = newId();
    const key = `files/${id}`;
    await this.store.put(key, data);
    let thumbKey: string | null = null;
    if (thumb) {
      thumbKey = `files/${id}.thumb.webp`;
      await this.store.put(thumbKey, thumb);
    }
    return { key, thumbKey, mime, size: data.length, width, height, messageType };
  }

  /** A copy of stored bytes under new keys (forwarding keeps files independent). */
  async copy(key: string, thumbKey: string | null): Promise<{ key: string; thumbKey: string | null } | null> {
    const id = newId();
    const copyOne = async (from: string, to: string) => {
      const file = await this.store.open(from);
      if (!file) {
        return false;
      }
      const chunks: Buffer[] = [];
      for await (const chunk of file.stream) {
        chunks.push(chunk as Buffer);
      }
      await this.store.put(to, Buffer.concat(chunks));
      return true;
    };
    if (!(await copyOne(key, `files/${id}`))) {
      return null;
    }
    const newThumb = thumbKey && (await copyOne(thumbKey, `files/${id}.thumb.webp`)) ? `files/${id}.thumb.webp` : null;
    return { key: `files/${id}`, thumbKey: newThumb };
  }

  async remove(key: string, thumbKey: string | null): Promise<void> {
    await this.store.delete(key);
    if (thumbKey) {
      await this.store.delete(thumbKey);
    }
  }

  open(key: string) {
    return this.store.open(key);
  }
}

/** Types a browser could run as active content from our origin: always served as downloads. */
export function isInlineSafe(mime: string): boolean {
  return IMAGES.has(mime) || mime.startsWith('audio/') || mime.startsWith('video/') || mime === 'application/pdf' || mime === 'text/plain';
}
