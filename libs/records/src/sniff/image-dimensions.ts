import { FileDamaged, ImageTooLarge } from '../records.errors';
import { ByteReader } from './byte-reader';

export type ImageType = 'jpeg' | 'png' | 'gif' | 'webp' | 'tiff';

export interface Dimensions {
  width: number;
  height: number;
}

/**
 * Refuses an image whose declared size would make a decoder allocate gigabytes (a "pixel flood"): the width and
 * height come from the header, before anything decodes it. Returns null when the stream ends before the header says
 * (only a file's first bytes were given: the full check runs again on the stored file).
 */
export async function checkImageSize(type: ImageType, reader: ByteReader, maxPixels: number): Promise<Dimensions | null> {
  const size = await dimensionsOf(type, reader);
  if (!size) return null;
  if (size.width === 0 || size.height === 0) throw new FileDamaged('image');
  if (size.width * size.height > maxPixels) throw new ImageTooLarge(maxPixels);
  return size;
}

async function dimensionsOf(type: ImageType, reader: ByteReader): Promise<Dimensions | null> {
  switch (type) {
    case 'png':
      return png(reader);
    case 'gif': {
      const header = await reader.read(10);
      return { width: header.readUInt16LE(6), height: header.readUInt16LE(8) };
    }
    case 'webp':
      return webp(reader);
    case 'jpeg':
      return jpeg(reader);
    case 'tiff':
      return tiff(reader);
  }
}

async function png(reader: ByteReader): Promise<Dimensions> {
  const header = await reader.read(24);
  // The specification requires IHDR to be the first chunk.
  if (header.readUInt32BE(8) !== 13 || header.toString('latin1', 12, 16) !== 'IHDR') throw new FileDamaged('image');
  return { width: header.readUInt32BE(16), height: header.readUInt32BE(20) };
}

async function webp(reader: ByteReader): Promise<Dimensions | null> {
  const header = await reader.read(20);
  const chunk = header.toString('latin1', 12, 16);
  if (chunk === 'VP8X') {
    const body = await reader.read(10);
    return { width: body.readUIntLE(4, 3) + 1, height: body.readUIntLE(7, 3) + 1 };
  }
  if (chunk === 'VP8L') {
    const body = await reader.read(5);
    if (body[0] !== 0x2f) throw new FileDamaged('image');
    const bits = body.readUInt32LE(1);
    return { width: (bits & 0x3fff) + 1, height: ((bits >> 14) & 0x3fff) + 1 };
  }
  if (chunk === 'VP8 ') {
    const body = await reader.read(10);
    if (body[3] !== 0x9d || body[4] !== 0x01 || body[5] !== 0x2a) throw new FileDamaged('image');
    return { width: body.readUInt16LE(6) & 0x3fff, height: body.readUInt16LE(8) & 0x3fff };
  }
  return null;
}

const SOF = new Set([0xc0, 0xc1, 0xc2, 0xc3, 0xc5, 0xc6, 0xc7, 0xc9, 0xca, 0xcb, 0xcd, 0xce, 0xcf]);

/** Walks the marker segments (EXIF and ICC segments can be large) up to the frame header. */
async function jpeg(reader: ByteReader): Promise<Dimensions | null> {
  await reader.read(2);
  for (;;) {
    let byte = (await reader.read(1))[0];
    if (byte !== 0xff) throw new FileDamaged('image');
    while (byte === 0xff) byte = (await reader.read(1))[0];
    const marker = byte;
    if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) continue;
    if (marker === 0xd9 || marker === 0xda) throw new FileDamaged('image');
    const length = (await reader.read(2)).readUInt16BE(0);
    if (length < 2) throw new FileDamaged('image');
    if (SOF.has(marker)) {
      const frame = await reader.read(5);
      return { height: frame.readUInt16BE(1), width: frame.readUInt16BE(3) };
    }
    await reader.skip(length - 2);
  }
}

async function tiff(reader: ByteReader): Promise<Dimensions | null> {
  const header = await reader.read(8);
  const le = header[0] === 0x49;
  const u16 = (b: Buffer, o: number) => (le ? b.readUInt16LE(o) : b.readUInt16BE(o));
  const u32 = (b: Buffer, o: number) => (le ? b.readUInt32LE(o) : b.readUInt32BE(o));
  const ifd = u32(header, 4);
  if (ifd < 8) throw new FileDamaged('image');
  await reader.skip(ifd - 8);
  const count = u16(await reader.read(2), 0);
  let width: number | undefined;
  let height: number | undefined;
  for (let i = 0; i < count && (width === undefined || height === undefined); i++) {
    const entry = await reader.read(12);
    const tag = u16(entry, 0);
    const value = u16(entry, 2) === 3 ? u16(entry, 8) : u32(entry, 8);
    if (tag === 256) width = value;
    if (tag === 257) height = value;
  }
  return width === undefined || height === undefined ? null : { width, height };
}
