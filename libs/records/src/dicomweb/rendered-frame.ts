import { DataSet } from 'dicom-parser';
import { deflateSync } from 'node:zlib';
import { RecordsError } from '../records.errors';
import { readFrame, transferSyntaxOf } from './dicom-frames';

/** A picture of one frame for a browser: PNG from pixels we decode, or a baseline JPEG as it was stored. */
/** A VOI window asked for by the viewer (PS3.18 `window=center,width`), instead of the file's own. */
export interface VoiWindow {
  center: number;
  width: number;
}

export interface RenderedFrame {
  bytes: Buffer;
  contentType: 'image/png' | 'image/jpeg';
}

const RLE = '1.2.840.10008.1.2.5';
const JPEG_BASELINE = new Set(['1.2.840.10008.1.2.4.50', '1.2.840.10008.1.2.4.51']);

/**
 * Frame `number` as a picture (WADO-RS rendered and thumbnail): native and RLE pixels are decoded, the file's
 * rescale and first window applied (min to max without one), and written as 8-bit PNG, shrunk to `maxSide` for a
 * thumbnail; `window` (the viewer's preset) replaces the file's window. A baseline JPEG is already a picture and is handed out as stored. Anything else (JPEG 2000, JPEG-LS,
 * lossless JPEG) is `image_not_renderable`: the viewer says so and offers the download, never a blank image.
 */
export function renderFrame(dataSet: DataSet, number: number, maxSide?: number, window?: VoiWindow): RenderedFrame | null {
  const frame = readFrame(dataSet, number);
  if (!frame) return null;
  const syntax = transferSyntaxOf(dataSet);
  if (JPEG_BASELINE.has(syntax)) return { bytes: frame.bytes, contentType: 'image/jpeg' };
  const rows = dataSet.uint16('x00280010') ?? 0;
  const columns = dataSet.uint16('x00280011') ?? 0;
  const samples = dataSet.uint16('x00280002') ?? 1;
  const bits = dataSet.uint16('x00280100') ?? 16;
  if ((bits !== 8 && bits !== 16) || (samples !== 1 && samples !== 3) || (samples === 3 && bits !== 8)) {
    throw new RecordsError('image_not_renderable');
  }
  let raw: Buffer;
  if (frame.contentType.startsWith('application/octet-stream; transfer-syntax=1.2.840.10008.1.2.1')) raw = frame.bytes;
  else if (syntax === RLE) raw = decodeRle(frame.bytes, rows * columns, samples * (bits / 8));
  else throw new RecordsError('image_not_renderable');
  const planar = syntax === RLE || (dataSet.uint16('x00280006') ?? 0) === 1;
  const picture =
    samples === 3 ? colour(raw, rows * columns, planar) : greyscale(dataSet, raw, rows * columns, bits, syntax === RLE, window);
  const [width, height, pixels] = shrink(picture, columns, rows, samples, maxSide);
  return { bytes: encodePng(width, height, samples === 3 ? 2 : 0, pixels), contentType: 'image/png' };
}

/** PS3.5 G.3: a 64-byte header (segment count, 15 offsets), then one PackBits segment per byte plane, MSB first. */
function decodeRle(data: Buffer, pixels: number, planes: number): Buffer {
  if (data.length < 64 || data.readUInt32LE(0) !== planes) throw new RecordsError('image_not_renderable');
  const out = Buffer.alloc(pixels * planes);
  for (let plane = 0; plane < planes; plane++) {
    const start = data.readUInt32LE(4 + plane * 4);
    const end = plane + 1 < planes ? data.readUInt32LE(8 + plane * 4) : data.length;
    let i = start;
    let o = plane * pixels;
    const limit = (plane + 1) * pixels;
    while (i < end && o < limit) {
      const n = data.readInt8(i++);
      if (n >= 0) {
        data.copy(out, o, i, Math.min(i + n + 1, end));
        i += n + 1;
        o += n + 1;
      } else if (n !== -128) {
        out.fill(data[i++], o, Math.min(o + 1 - n, limit));
        o += 1 - n;
      }
    }
  }
  return out;
}

function greyscale(dataSet: DataSet, raw: Buffer, count: number, bits: number, planes: boolean, window?: VoiWindow): Buffer {
  const signed = (dataSet.uint16('x00280103') ?? 0) === 1;
  const slope = Number(dataSet.string('x00281053') ?? 1) || 1;
  const intercept = Number(dataSet.string('x00281052') ?? 0) || 0;
  // Typed arrays over an aligned copy: indexing a Buffer per pixel is several times slower on a hot path.
  const values = new Float32Array(count);
  if (bits === 8) values.set(raw.subarray(0, count));
  else if (planes) for (let i = 0; i < count; i++) values[i] = (raw[i] << 8) | raw[count + i];
  else values.set(new Uint16Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + count * 2)));
  for (let i = 0; i < count; i++) {
    const v = signed && bits === 16 && values[i] >= 0x8000 ? values[i] - 0x10000 : values[i];
    values[i] = v * slope + intercept;
  }
  let center = window?.center ?? Number.parseFloat(dataSet.string('x00281050') ?? '');
  let width = window?.width ?? Number.parseFloat(dataSet.string('x00281051') ?? '');
  if (!Number.isFinite(center) || !Number.isFinite(width) || width < 1) {
    let min = Infinity;
    let max = -Infinity;
    for (let i = 0; i < count; i++) {
      if (values[i] < min) min = values[i];
      if (values[i] > max) max = values[i];
    }
    center = (min + max) / 2;
    width = Math.max(1, max - min);
  }
  const invert = dataSet.string('x00280004') === 'MONOCHROME1';
  const out = Buffer.alloc(count);
  // No global (Math.round...) in this loop: where globals are looked up through a sandbox (Jest's vm context, which
  // runs the server in the browser walk) each lookup is slow, and a CT slice makes 262,144 of them.
  const low = center - 0.5 - (width - 1) / 2;
  const scale = 255 / (width - 1);
  for (let i = 0; i < count; i++) {
    const level = (values[i] - low) * scale + 0.5;
    const clamped = level <= 0 ? 0 : level >= 255 ? 255 : level | 0;
    out[i] = invert ? 255 - clamped : clamped;
  }
  return out;
}

function colour(raw: Buffer, count: number, planar: boolean): Buffer {
  if (!planar) return raw.subarray(0, count * 3);
  const out = Buffer.alloc(count * 3);
  for (let i = 0; i < count; i++) for (let c = 0; c < 3; c++) out[i * 3 + c] = raw[c * count + i];
  return out;
}

/** Nearest-neighbour shrink to fit `maxSide` (thumbnails); never enlarges. */
function shrink(pixels: Buffer, width: number, height: number, samples: number, maxSide?: number): [number, number, Buffer] {
  if (!maxSide || Math.max(width, height) <= maxSide) return [width, height, pixels];
  const scale = maxSide / Math.max(width, height);
  const w = Math.max(1, Math.round(width * scale));
  const h = Math.max(1, Math.round(height * scale));
  const out = Buffer.alloc(w * h * samples);
  for (let y = 0; y < h; y++) {
    const sy = Math.min(height - 1, Math.floor(y / scale));
    for (let x = 0; x < w; x++) {
      const sx = Math.min(width - 1, Math.floor(x / scale));
      pixels.copy(out, (y * w + x) * samples, (sy * width + sx) * samples, (sy * width + sx + 1) * samples);
    }
  }
  return [w, h, out];
}

const CRC_TABLE = Uint32Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(bytes: Buffer): number {
  let c = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) c = CRC_TABLE[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type: string, data: Buffer): Buffer {
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([length, body, crc]);
}

/** An 8-bit PNG (colour type 0 grey, 2 RGB), each row with filter 0. */
function encodePng(width: number, height: number, colourType: 0 | 2, pixels: Buffer): Buffer {
  const samples = colourType === 2 ? 3 : 1;
  const stride = width * samples;
  const rows = Buffer.alloc((stride + 1) * height);
  for (let y = 0; y < height; y++) pixels.copy(rows, y * (stride + 1) + 1, y * stride, (y + 1) * stride);
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([8, colourType, 0, 0, 0], 8);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    // Level 1: the default level was most of a CT slice's rendering time (profiled); a little larger PNG is fine.
    chunk('IDAT', deflateSync(rows, { level: 1 })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}
