import { createReadStream } from 'node:fs';
import { mkdir, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, resolve, sep } from 'node:path';
import type { Readable } from 'node:stream';

/**
 * Where uploaded bytes live. Keys are made by the server (never from a client's file name);
 * the local-disk engine is the default, and the interface is small enough for an S3 engine.
 */
export interface FileStore {
  put(key: string, data: Buffer): Promise<void>;
  /** A stream of the stored bytes and their size, or null if there is no such key. */
  open(key: string): Promise<{ stream: Readable; size: number } | null>;
  delete(key: string): Promise<void>;
}

const KEY = /^[a-z0-9][a-z0-9/_.-]*$/;

/** Files under one directory on local disk. */
export class LocalFileStore implements FileStore {
  private readonly root: string;
  constructor(root: string) {
    this.root = resolve(root);
  }

  // Keys are server-made, but refuse anything that could climb out of the root all the same.
  private path(key: string): string {
    const full = resolve(this.root, key);
    if (!KEY.test(key) || key.includes('..') || !full.startsWith(this.root + sep)) {
      throw new Error(`invalid storage key: ${key}`);
    }
    return full;
  }

  async put(key: string, data: Buffer): Promise<void> {
    const full = this.path(key);
    await mkdir(dirname(full), { recursive: true });
    await writeFile(full, data, { mode: 0o640 });
  }

  async open(key: string): Promise<{ stream: Readable; size: number } | null> {
    let full: string;
    try {
      full = this.path(key);
    } catch {
      return null;
    }
    try {
      const info = await stat(full);
      return info.isFile() ? { stream: createReadStream(full), size: info.size } : null;
    } catch {
      return null;
    }
  }

  async delete(key: string): Promise<void> {
    await rm(this.path(key), { force: true });
  }
}
