// Blobs as files named by their SHA-256 (`<dir>/<first two hex>/<sha256>`). A file only ever
// appears under its final name complete and on disk: written to a temporary name, fsynced,
// renamed, and the directory fsynced, so a crash leaves either nothing or the whole blob.
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, open, readFile, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { StoreErrors } from './errors.ts';
import type { BlobRef, BlobStore } from './port.ts';

const SHA256 = /^[0-9a-f]{64}$/;

export function fileBlobStore(dir: string): BlobStore {
  const pathOf = (sha256: string): string => join(dir, sha256.slice(0, 2), sha256);

  async function exists(path: string): Promise<boolean> {
    try {
      await stat(path);
      return true;
    } catch (err) {
      if (isMissing(err)) return false;
      throw err;
    }
  }

  return {
    async put(bytes, contentType) {
      const sha256 = createHash('sha256').update(bytes).digest('hex');
      const ref: BlobRef = { sha256, size: bytes.byteLength, contentType };
      const target = pathOf(sha256);
      if (await exists(target)) return ref;
      const folder = join(dir, sha256.slice(0, 2));
      const created = await mkdir(folder, { recursive: true });
      if (created !== undefined) await syncDirectory(dir);
      const temp = join(folder, `.${sha256}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
      try {
        const handle = await open(temp, 'wx');
        try {
          await handle.writeFile(bytes);
          await handle.sync();
        } finally {
          await handle.close();
        }
        await rename(temp, target);
      } catch (err) {
        await rm(temp, { force: true });
        throw err;
      }
      await syncDirectory(folder);
      return ref;
    },
    async get(sha256) {
      if (!SHA256.test(sha256)) throw StoreErrors.STORE_ERR_NOT_FOUND(`no blob ${sha256}`);
      try {
        return new Uint8Array(await readFile(pathOf(sha256)));
      } catch (err) {
        if (isMissing(err)) throw StoreErrors.STORE_ERR_NOT_FOUND(`no blob ${sha256}`, { cause: err });
        throw err;
      }
    },
    has: (sha256) => (SHA256.test(sha256) ? exists(pathOf(sha256)) : Promise.resolve(false)),
  };
}

/** Makes a rename durable: the directory entry itself must reach the disk. */
async function syncDirectory(path: string): Promise<void> {
  const handle = await open(path, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

function isMissing(err: unknown): boolean {
  return typeof err === 'object' && err !== null && 'code' in err && err.code === 'ENOENT';
}
