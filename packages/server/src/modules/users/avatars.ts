import { fileTypeFromBuffer } from 'file-type';
import sharp from 'sharp';
import { newId } from '../../lib/ids.js';
import { AppError } from '../../http/problem.js';
import type { FileStore } from '../../storage/files/file-store.js';

// Raster formats we decode; SVG is refused (it is active content and an XML parser's attack surface).
const ACCEPTED = new Set(['image/jpeg', 'image/png', 'image/webp', 'image/gif', 'image/avif', 'image/tiff', 'image/bmp']);
const SIZE = 512;
// A decompression bomb (a tiny file declaring a huge canvas) fails here instead of eating memory.
const MAX_INPUT_PIXELS = 50_000_000;

/** Profile and group images: sniffed by content, re-encoded (EXIF and other metadata dropped), square-cropped. */
export class AvatarService {
  constructor(private readonly files: FileStore) {}

  /** Stores `data` as a 512×512 WebP and returns its storage key. */
  async store(data: Buffer): Promise<string> {
    const type = await fileTypeFromBuffer(data);
    if (!type || !ACCEPTED.has(type.mime)) {
      throw new AppError('unsupported_file_type', { type: type?.mime ?? 'unknown' });
    }
    let webp: Buffer;
    try {
      webp = await sharp(data, { limitInputPixels: MAX_INPUT_PIXELS, failOn: 'error' })
        .rotate() // apply EXIF orientation before the metadata is dropped
        .resize(SIZE, SIZE, { fit: 'cover' })
        .webp({ quality: 85 })
        .toBuffer();
    } catch {
      throw new AppError('invalid_image');
    }
    const key = `avatars/${newId()}.webp`;
    await this.files.put(key, webp);
    return key;
  }

  async remove(key: string): Promise<void> {
    await this.files.delete(key);
  }
}
