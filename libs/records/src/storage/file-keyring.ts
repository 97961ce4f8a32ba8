import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { StoredFileDamaged } from '../records.errors';

export interface DataKey {
  key: Buffer;
  wrapped: Buffer;
  keyId: string;
}

/**
 * Master keys that wrap each file's own AES-256 data key (AES-256-GCM, the key id as additional data). The key id is
 * derived from the master key itself and stored with every file, so rotating the master means re-wrapping 60-byte
 * keys (`rewrap`), never re-encrypting files; retired masters stay here until no file refers to them.
 */
export class FileKeyring {
  private readonly masters = new Map<string, Buffer>();
  readonly currentKeyId: string;

  constructor(current: Buffer, retired: Buffer[] = []) {
    if (current.length !== 32) throw new Error('The files master key must be 32 bytes');
    this.currentKeyId = keyIdOf(current);
    this.masters.set(this.currentKeyId, current);
    for (const key of retired) this.masters.set(keyIdOf(key), key);
  }

  newDataKey(): DataKey {
    const key = randomBytes(32);
    return { key, wrapped: this.wrap(key, this.currentKeyId), keyId: this.currentKeyId };
  }

  unwrap(wrapped: Buffer, keyId: string): Buffer {
    const master = this.masters.get(keyId);
    if (!master || wrapped.length !== 60) throw new StoredFileDamaged();
    try {
      const decipher = createDecipheriv('aes-256-gcm', master, wrapped.subarray(0, 12));
      decipher.setAAD(Buffer.from(`consilium-file-key:${keyId}`));
      decipher.setAuthTag(wrapped.subarray(44));
      return Buffer.concat([decipher.update(wrapped.subarray(12, 44)), decipher.final()]);
    } catch {
      throw new StoredFileDamaged();
    }
  }

  /** The same data key wrapped by the current master: what a rotation job writes back to the row. */
  rewrap(wrapped: Buffer, keyId: string): { wrapped: Buffer; keyId: string } {
    return { wrapped: this.wrap(this.unwrap(wrapped, keyId), this.currentKeyId), keyId: this.currentKeyId };
  }

  private wrap(key: Buffer, keyId: string): Buffer {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.masters.get(keyId)!, iv);
    cipher.setAAD(Buffer.from(`consilium-file-key:${keyId}`));
    const body = Buffer.concat([cipher.update(key), cipher.final()]);
    return Buffer.concat([iv, body, cipher.getAuthTag()]);
  }
}

function keyIdOf(master: Buffer): string {
  return `mk-${createHash('sha256').update('consilium files master key id\0').update(master).digest('hex').slice(0, 16)}`;
}
