import { readFileSync } from 'node:fs';
import path from 'node:path';
import { inflateSync } from 'node:zlib';
import { toDicomJson } from './dicom-json';
import { parseDataSet, readFrame } from './dicom-frames';
import { renderFrame } from './rendered-frame';

const fixture = (name: string) => parseDataSet(readFileSync(path.join(__dirname, '../../../../test/fixtures/dicom', name)));
const ENCODINGS = ['CT1_UNC.explicit_little_endian.dcm', 'CT1_UNC.implicit_little_endian.dcm', 'CT1_UNC.explicit_big_endian.dcm'];
/** What a viewer needs to draw and measure a CT slice. */
const VIEWER_TAGS = [
  '00080016',
  '00080018',
  '00080060',
  '0020000D',
  '0020000E',
  '00280010',
  '00280011',
  '00280030',
  '00280100',
  '00281052',
  '00281053',
];

describe('DICOM JSON and frames of one image in three encodings', () => {
  it('gives a viewer the same attributes whatever the transfer syntax (implicit VR through our dictionary)', () => {
    const [explicit, implicit, big] = ENCODINGS.map((name) => toDicomJson(fixture(name)));
    for (const tag of VIEWER_TAGS) {
      expect(explicit[tag]?.Value).toBeDefined();
      expect({ tag, ...implicit[tag] }).toEqual({ tag, ...explicit[tag] });
      expect({ tag, ...big[tag] }).toEqual({ tag, ...explicit[tag] });
    }
    expect(explicit['00280010'].vr).toBe('US');
    expect(explicit['7FE00010']).toBeUndefined();
  });

  it('hands out the same little endian pixels from the big endian file, and no frame past the last', () => {
    const [explicit, , big] = ENCODINGS.map(fixture);
    const little = readFrame(explicit, 1)!;
    expect(little.contentType).toBe('application/octet-stream; transfer-syntax=1.2.840.10008.1.2.1');
    expect(readFrame(big, 1)!.bytes.equals(little.bytes)).toBe(true);
    expect(little.bytes.length).toBe(512 * 512 * 2);
    expect(readFrame(explicit, 2)).toBeNull();
    expect(readFrame(explicit, 0)).toBeNull();
  });

  it('finds each frame of a multi-frame JPEG without an offset table', () => {
    const us = fixture('IM00001.fragmented_no_bot_jpeg_baseline.50.dcm');
    for (let n = 1; n <= 8; n++) {
      const frame = readFrame(us, n)!;
      expect(frame.bytes.subarray(0, 2).toString('hex')).toBe('ffd8');
      expect(frame.contentType).toBe('image/jpeg; transfer-syntax=1.2.840.10008.1.2.4.50');
    }
    expect(readFrame(us, 9)).toBeNull();
  });
});

/** The rows of an 8-bit PNG from renderFrame, read back with zlib alone (filter 0 on every row). */
function pngPixels(png: Buffer): { width: number; height: number; colourType: number; rows: Buffer[] } {
  expect(png.subarray(1, 4).toString('latin1')).toBe('PNG');
  const width = png.readUInt32BE(16);
  const height = png.readUInt32BE(20);
  const colourType = png[25];
  const idat: Buffer[] = [];
  for (let at = 8; at < png.length;) {
    const length = png.readUInt32BE(at);
    if (png.toString('latin1', at + 4, at + 8) === 'IDAT') idat.push(png.subarray(at + 8, at + 8 + length));
    at += 12 + length;
  }
  const raw = inflateSync(Buffer.concat(idat));
  const stride = width * (colourType === 2 ? 3 : 1) + 1;
  const rows = Array.from({ length: height }, (_, y) => raw.subarray(y * stride + 1, (y + 1) * stride));
  return { width, height, colourType, rows };
}

function greyLevels(rows: Buffer[]): number {
  const seen = new Set<number>();
  for (const row of rows) for (let i = 0; i < row.length; i++) seen.add(row[i]);
  return seen.size;
}

describe('rendered frames and thumbnails', () => {
  it('draws the same picture from every encoding of one image, windowed, and shrinks it for a thumbnail', () => {
    const [explicit, implicit, big] = ENCODINGS.map(fixture).map((d) => renderFrame(d, 1)!);
    expect(explicit.contentType).toBe('image/png');
    expect(implicit.bytes.equals(explicit.bytes)).toBe(true);
    expect(big.bytes.equals(explicit.bytes)).toBe(true);
    const picture = pngPixels(explicit.bytes);
    expect([picture.width, picture.height, picture.colourType]).toEqual([512, 512, 0]);
    // A CT slice windowed is not one flat grey: air is dark, the body lighter.
    expect(greyLevels(picture.rows)).toBeGreaterThan(50);
    const thumbnail = pngPixels(renderFrame(fixture(ENCODINGS[0]), 1, 128)!.bytes);
    expect([thumbnail.width, thumbnail.height]).toEqual([128, 128]);
  });

  it('decodes RLE into a picture with the image in it, and hands a baseline JPEG out as stored', () => {
    const rle = fixture('CT0012.not_fragmented_bot_rle.dcm');
    const picture = pngPixels(renderFrame(rle, 2)!.bytes);
    expect(picture.width).toBe(rle.uint16('x00280011'));
    // No window in the file: min to max, so the brain is a few greys on black, but not one.
    expect(greyLevels(picture.rows)).toBeGreaterThan(20);
    expect(renderFrame(rle, 3)).toBeNull();
    const us = renderFrame(fixture('IM00001.fragmented_no_bot_jpeg_baseline.50.dcm'), 1)!;
    expect(us.contentType).toBe('image/jpeg');
    expect(us.bytes.subarray(0, 2).toString('hex')).toBe('ffd8');
  });
});
