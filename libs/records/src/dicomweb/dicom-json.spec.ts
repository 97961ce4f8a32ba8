import { readFileSync } from 'node:fs';
import path from 'node:path';
import { toDicomJson } from './dicom-json';
import { parseDataSet, readFrame } from './dicom-frames';

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
