import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { StoredFileDamaged } from '../records.errors';
import { FileKeyring } from './file-keyring';
import { StoredObject } from './file-storage';
import { FRAME_OVERHEAD, FRAME_SIZE, HEADER_SIZE, openStream, sealStream } from './framed-cipher';
import { LocalFileStorage } from './local-file-storage';

// eslint-disable-next-line @typescript-eslint/require-await -- stands in for an upload stream; a buffer has nothing to wait for
async function* chunked(data: Buffer, size: number): AsyncGenerator<Buffer> {
  for (let i = 0; i < data.length; i += size) yield data.subarray(i, i + size);
}

async function collect(source: AsyncIterable<Buffer>): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const part of source) parts.push(part);
  return Buffer.concat(parts);
}

/** What a reader hands out before it fails: a tampered frame must contribute nothing. */
async function collectUntilFailure(source: AsyncIterable<Buffer>): Promise<{ released: Buffer; error: unknown }> {
  const parts: Buffer[] = [];
  try {
    for await (const part of source) parts.push(part);
  } catch (error) {
    return { released: Buffer.concat(parts), error };
  }
  return { released: Buffer.concat(parts), error: null };
}

describe('local encrypted storage', () => {
  let root: string;
  let storage: LocalFileStorage;
  const master = randomBytes(32);

  beforeEach(() => {
    root = mkdtempSync(path.join(tmpdir(), 'consilium-storage-'));
    storage = new LocalFileStorage(root, new FileKeyring(master));
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  const onDisk = (object: StoredObject) => path.join(root, object.key);

  it.each([0, 1, FRAME_SIZE - 1, FRAME_SIZE, FRAME_SIZE + 1, 3 * FRAME_SIZE, 300_001])(
    'round-trips %i bytes with their SHA-256',
    async (size) => {
      const data = randomBytes(size);
      const stored = await storage.write(chunked(data, 7777));
      expect(stored).toMatchObject({ backend: 'local', size, sha256: createHash('sha256').update(data).digest('hex') });
      expect(stored.key).toMatch(/^[0-9a-f]{2}\/[0-9a-f-]{36}$/);
      expect((await collect(storage.read(stored))).equals(data)).toBe(true);
    },
  );

  it('keeps no plaintext on disk: the stored bytes differ from the uploaded ones', async () => {
    const data = Buffer.from('Patient reports chest pain since March. '.repeat(5000));
    const stored = await storage.write(chunked(data, 4096));
    const disk = readFileSync(onDisk(stored));
    expect(disk.length).toBe(HEADER_SIZE + data.length + Math.ceil(data.length / FRAME_SIZE) * FRAME_OVERHEAD);
    expect(disk.includes(Buffer.from('chest pain'))).toBe(false);
    expect(stored.wrappedKey).toHaveLength(60);
    expect(stored.wrappedKey!.includes(master)).toBe(false);
  });

  it('reads any byte range through the frames it spans', async () => {
    const data = randomBytes(5 * FRAME_SIZE + 123);
    const stored = await storage.write(chunked(data, 65_000));
    for (const [start, end] of [
      [0, 1],
      [FRAME_SIZE - 2, FRAME_SIZE + 2],
      [100, 4 * FRAME_SIZE],
      [data.length - 50, data.length],
      [data.length - 10, data.length + 99],
    ]) {
      expect((await collect(storage.readRange(stored, start, end))).equals(data.subarray(start, end))).toBe(true);
    }
  });

  describe('detects a stored file changed at rest, before handing out any of its bad bytes', () => {
    const data = randomBytes(4 * FRAME_SIZE + 10);
    const frameAt = (i: number) => HEADER_SIZE + i * (FRAME_SIZE + FRAME_OVERHEAD);

    it('one flipped byte in the third frame: the first two frames pass, nothing of the third is released', async () => {
      const stored = await storage.write(chunked(data, 50_000));
      const disk = readFileSync(onDisk(stored));
      disk[frameAt(2) + 1000] ^= 0x01;
      writeFileSync(onDisk(stored), disk);
      const { released, error } = await collectUntilFailure(storage.read(stored));
      expect(error).toBeInstanceOf(StoredFileDamaged);
      expect(released.equals(data.subarray(0, 2 * FRAME_SIZE))).toBe(true);
      await expect(storage.verify(stored)).rejects.toBeInstanceOf(StoredFileDamaged);
      await expect(collect(storage.readRange(stored, 2 * FRAME_SIZE + 5, 2 * FRAME_SIZE + 6))).rejects.toBeInstanceOf(StoredFileDamaged);
    });

    it('two frames swapped', async () => {
      const stored = await storage.write(chunked(data, 50_000));
      const disk = readFileSync(onDisk(stored));
      const size = FRAME_SIZE + FRAME_OVERHEAD;
      const swapped = Buffer.concat([
        disk.subarray(0, frameAt(1)),
        disk.subarray(frameAt(2), frameAt(2) + size),
        disk.subarray(frameAt(1), frameAt(1) + size),
        disk.subarray(frameAt(3)),
      ]);
      expect(swapped.length).toBe(disk.length);
      writeFileSync(onDisk(stored), swapped);
      const { released, error } = await collectUntilFailure(storage.read(stored));
      expect(error).toBeInstanceOf(StoredFileDamaged);
      expect(released.equals(data.subarray(0, FRAME_SIZE))).toBe(true);
    });

    it('truncated, at a frame boundary or mid-frame, even when the recorded size is forged to match', async () => {
      const stored = await storage.write(chunked(data, 50_000));
      const disk = readFileSync(onDisk(stored));
      writeFileSync(onDisk(stored), disk.subarray(0, frameAt(4)));
      await expect(storage.verify(stored)).rejects.toBeInstanceOf(StoredFileDamaged);
      // Without the size check, the missing last-frame mark alone still gives it away.
      await expect(storage.verify({ ...stored, size: 4 * FRAME_SIZE })).rejects.toBeInstanceOf(StoredFileDamaged);
      writeFileSync(onDisk(stored), disk.subarray(0, disk.length - 7));
      await expect(storage.verify(stored)).rejects.toBeInstanceOf(StoredFileDamaged);
    });

    it('a changed header, or a file opened with another master key', async () => {
      const stored = await storage.write(chunked(data, 50_000));
      const disk = readFileSync(onDisk(stored));
      disk[10] ^= 0xff;
      writeFileSync(onDisk(stored), disk);
      await expect(storage.verify(stored)).rejects.toBeInstanceOf(StoredFileDamaged);
      const other = new LocalFileStorage(root, new FileKeyring(randomBytes(32)));
      await expect(other.verify(stored)).rejects.toBeInstanceOf(StoredFileDamaged);
    });

    it('bytes appended after the last frame', async () => {
      const key = randomBytes(32);
      const sealed = await collect(sealStream(chunked(data, 9999), key));
      await expect(
        collect(openStream(chunked(Buffer.concat([sealed, sealed.subarray(HEADER_SIZE, HEADER_SIZE + 100)]), 4096), key)),
      ).rejects.toBeInstanceOf(StoredFileDamaged);
      expect((await collect(openStream(chunked(sealed, 4096), key))).equals(data)).toBe(true);
    });
  });

  it('leaves no visible file when the upload fails midway', async () => {
    // eslint-disable-next-line @typescript-eslint/require-await -- an upload stream that breaks; nothing to wait for
    async function* failing(): AsyncGenerator<Buffer> {
      yield randomBytes(200_000);
      throw new Error('connection reset');
    }
    await expect(storage.write(failing())).rejects.toThrow('connection reset');
    const visible = readdirSync(root, { recursive: true, withFileTypes: true }).filter((e) => e.isFile());
    expect(visible).toEqual([]);
  });

  it('re-wraps a data key under a new master key without touching the file', async () => {
    const data = randomBytes(100_000);
    const stored = await storage.write(chunked(data, 10_000));
    const rotated = new FileKeyring(randomBytes(32), [master]);
    const rewrapped = rotated.rewrap(stored.wrappedKey!, stored.keyId!);
    expect(rewrapped.keyId).not.toBe(stored.keyId);
    const after = { ...stored, wrappedKey: rewrapped.wrapped, keyId: rewrapped.keyId };
    await expect(new LocalFileStorage(root, new FileKeyring(randomBytes(32))).verify(after)).rejects.toBeInstanceOf(StoredFileDamaged);
    expect((await collect(new LocalFileStorage(root, rotated).read(after))).equals(data)).toBe(true);
    expect((await collect(new LocalFileStorage(root, rotated).read(stored))).equals(data)).toBe(true);
  });
});
