import { randomBytes } from 'node:crypto';
import { sealStreamConcurrently } from './frame-sealing';
import { newHeader, openStream, sealStream } from './framed-cipher';

const MiB = 1024 * 1024;

/** The bytes in pieces of varying size, as a network delivers them. */
async function* pieces(bytes: Buffer): AsyncGenerator<Buffer> {
  for (let at = 0, i = 0; at < bytes.length; i++) {
    const size = [1, 7, 4096, 65_536, 65_537, 300_000, MiB + 3][i % 7];
    yield await Promise.resolve(bytes.subarray(at, at + size));
    at += size;
  }
}

async function collect(source: AsyncIterable<Buffer>): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const part of source) parts.push(part);
  return Buffer.concat(parts);
}

describe('sealing on a worker thread', () => {
  const key = randomBytes(32);

  it.each([0, 1, 65_535, 65_536, 65_537, 4 * MiB, 4 * MiB + 1, 9 * MiB + 12_345])(
    'writes exactly the bytes sealStream writes, %i bytes of plaintext',
    async (size) => {
      const plain = randomBytes(size);
      const header = newHeader();
      const concurrent = await collect(sealStreamConcurrently(pieces(plain), key, header));
      expect(concurrent.equals(await collect(sealStream(pieces(plain), key, header)))).toBe(true);
      expect((await collect(openStream(pieces(concurrent), key, { fullFrames: true }))).equals(plain)).toBe(true);
    },
  );

  it('seals several large files at once, more than there are workers, each one intact', async () => {
    const files = [0, 1, 2, 3].map(() => randomBytes(6 * MiB + 99));
    const headers = files.map(() => newHeader());
    const sealed = await Promise.all(files.map((plain, i) => collect(sealStreamConcurrently(pieces(plain), key, headers[i]))));
    for (const [i, plain] of files.entries()) {
      expect(sealed[i].equals(await collect(sealStream(pieces(plain), key, headers[i])))).toBe(true);
    }
  });

  it('gives a worker left halfway (the reader gave up) no second job, and the next file still seals', async () => {
    const abandoned = sealStreamConcurrently(pieces(randomBytes(8 * MiB)), key);
    for (let i = 0; i < 100; i++) await abandoned.next();
    await abandoned.return(undefined);
    const plain = randomBytes(5 * MiB);
    const header = newHeader();
    expect(
      (await collect(sealStreamConcurrently(pieces(plain), key, header))).equals(await collect(sealStream(pieces(plain), key, header))),
    ).toBe(true);
  });
});
