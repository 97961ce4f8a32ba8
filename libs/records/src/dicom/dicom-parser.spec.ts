import { DicomTruncated, DicomUnsupported, FileDamaged } from '../records.errors';
import { fixture } from '../../../../test/support/hostile-files';
import { DicomMetadata, summarizeStudies } from './dicom-metadata';
import { parseDicom } from './dicom-parser';

// eslint-disable-next-line @typescript-eslint/require-await -- stands in for an upload stream; a buffer has nothing to wait for
async function* chunks(data: Buffer, size = 4093): AsyncGenerator<Buffer> {
  for (let i = 0; i < data.length; i += size) yield data.subarray(i, i + size);
}

const parse = (data: Buffer) => parseDicom(chunks(data));

function pixelDataAt(data: Buffer): number {
  const at = data.indexOf(Buffer.from([0xe0, 0x7f, 0x10, 0x00, 0x4f, 0x57])); // (7FE0,0010) OW
  expect(at).toBeGreaterThan(1000);
  return at;
}

const CT1_STUDY = '1.3.6.1.4.1.5962.1.2.1.20040826185059.5457';
const CT0012_STUDY = '1.3.6.1.4.1.5962.1.2.10.1166562673.14401';

/** A DICOM Part 10 file built element by element (explicit VR little endian meta group). */
function dicomWith(transferSyntax: string, dataset: Buffer): Buffer {
  const element = (group: number, el: number, vr: string, value: Buffer) => {
    const head = Buffer.alloc(8);
    head.writeUInt16LE(group, 0);
    head.writeUInt16LE(el, 2);
    head.write(vr, 4, 'latin1');
    head.writeUInt16LE(value.length, 6);
    return Buffer.concat([head, value]);
  };
  const uid = Buffer.from(transferSyntax.length % 2 ? `${transferSyntax}\0` : transferSyntax, 'latin1');
  return Buffer.concat([Buffer.alloc(128), Buffer.from('DICM'), element(0x0002, 0x0010, 'UI', uid), dataset]);
}

describe('DICOM parsing', () => {
  it.each<[string, Partial<DicomMetadata>]>([
    [
      'CT1_UNC.explicit_little_endian.dcm',
      {
        modality: 'CT',
        studyDate: '2004-08-26',
        studyInstanceUid: CT1_STUDY,
        studyDescription: 'e+1',
        transferSyntax: '1.2.840.10008.1.2.1',
        retiredTransferSyntax: false,
      },
    ],
    [
      'CT1_UNC.implicit_little_endian.dcm',
      {
        modality: 'CT',
        studyDate: '2004-08-26',
        studyInstanceUid: CT1_STUDY,
        studyDescription: 'e+1',
        transferSyntax: '1.2.840.10008.1.2',
      },
    ],
    // Decision: the retired explicit big endian syntax is parsed (it is only byte order) and accepted, flagged as retired.
    [
      'CT1_UNC.explicit_big_endian.dcm',
      {
        modality: 'CT',
        studyDate: '2004-08-26',
        studyInstanceUid: CT1_STUDY,
        studyDescription: 'e+1',
        transferSyntax: '1.2.840.10008.1.2.2',
        retiredTransferSyntax: true,
      },
    ],
    [
      'CT0012.not_fragmented_bot_rle.dcm',
      { modality: 'CT', studyDate: '2006-12-19', studyInstanceUid: CT0012_STUDY, numberOfFrames: 2, transferSyntax: '1.2.840.10008.1.2.5' },
    ],
    [
      'CT0012.fragmented_no_bot_jpeg_baseline.51.dcm',
      {
        modality: 'CT',
        studyDate: '2006-12-19',
        studyInstanceUid: CT0012_STUDY,
        numberOfFrames: 2,
        transferSyntax: '1.2.840.10008.1.2.4.51',
      },
    ],
    [
      'IM00001.fragmented_no_bot_jpeg_baseline.50.dcm',
      {
        modality: 'US',
        studyDate: '2012-04-18',
        studyDescription: 'US Dopler',
        numberOfFrames: 8,
        transferSyntax: '1.2.840.10008.1.2.4.50',
      },
    ],
  ])('reads the study metadata of %s', async (name, expected) => {
    const metadata = await parse(fixture(name));
    expect(metadata).toMatchObject(expected);
    expect(metadata.seriesInstanceUid).toMatch(/^[0-9.]+$/);
    expect(metadata.sopInstanceUid).toMatch(/^[0-9.]+$/);
    expect(metadata.bodyPart).toBeNull(); // none of these fixtures has BodyPartExamined
  });

  it('counts series and instances per study; one image in three encodings is one instance', async () => {
    const all = await Promise.all(
      [
        'CT1_UNC.explicit_little_endian.dcm',
        'CT1_UNC.implicit_little_endian.dcm',
        'CT1_UNC.explicit_big_endian.dcm',
        'CT0012.not_fragmented_bot_rle.dcm',
        'CT0012.fragmented_no_bot_jpeg_baseline.51.dcm',
        'IM00001.fragmented_no_bot_jpeg_baseline.50.dcm',
      ].map((n) => parse(fixture(n))),
    );
    const studies = summarizeStudies(all);
    expect(studies).toHaveLength(3);
    expect(studies.find((s) => s.studyInstanceUid === CT1_STUDY)).toMatchObject({
      seriesCount: 1,
      instanceCount: 1,
      modalities: ['CT'],
      studyDate: '2004-08-26',
    });
    expect(studies.find((s) => s.studyInstanceUid === CT0012_STUDY)).toMatchObject({
      seriesCount: 1,
      instanceCount: 2,
      studyDate: '2006-12-19',
    });
    expect(studies.find((s) => s.studyDescription === 'US Dopler')).toMatchObject({ seriesCount: 1, instanceCount: 1, modalities: ['US'] });
  });

  it.each([
    ['cut in the middle of its pixel data', (d: Buffer) => d.subarray(0, Math.floor(d.length / 2)), 'CT1_UNC.explicit_little_endian.dcm'],
    ['cut inside a compressed fragment', (d: Buffer) => d.subarray(0, d.length - 5000), 'IM00001.fragmented_no_bot_jpeg_baseline.50.dcm'],
    ['cut inside an element header', (d: Buffer) => d.subarray(0, 900), 'CT1_UNC.implicit_little_endian.dcm'],
    ['cut exactly before its pixel data element', (d: Buffer) => d.subarray(0, pixelDataAt(d)), 'CT1_UNC.explicit_little_endian.dcm'],
  ])('refuses a file %s as truncated', async (_what, cut, name) => {
    await expect(parse(cut(fixture(name)))).rejects.toBeInstanceOf(DicomTruncated);
  });

  it('tells the patient why a truncated file was refused', async () => {
    await expect(parse(fixture('CT0012.not_fragmented_bot_rle.dcm').subarray(0, 100_000))).rejects.toMatchObject({
      code: 'dicom_truncated',
      message: expect.stringContaining('ends before the end of its image data'),
    });
  });

  it('refuses the deflated transfer syntax it cannot check, and a file without "DICM"', async () => {
    await expect(parse(dicomWith('1.2.840.10008.1.2.1.99', Buffer.from([0x78, 0x9c, 1, 2, 3])))).rejects.toBeInstanceOf(DicomUnsupported);
    const notDicom = Buffer.from(fixture('CT1_UNC.explicit_little_endian.dcm'));
    notDicom.write('DICX', 128, 'latin1');
    await expect(parse(notDicom)).rejects.toBeInstanceOf(FileDamaged);
  });

  it('walks nested sequences of undefined length without taking their values for the top level', async () => {
    // (0008,1115) SQ, undefined length: one item of undefined length holding a Modality that must not win.
    const seq = Buffer.concat([
      Buffer.from([0x08, 0x00, 0x15, 0x11]),
      Buffer.from('SQ'),
      Buffer.alloc(2),
      Buffer.from([0xff, 0xff, 0xff, 0xff]),
      Buffer.from([0xfe, 0xff, 0x00, 0xe0, 0xff, 0xff, 0xff, 0xff]),
      Buffer.from([0x08, 0x00, 0x60, 0x00]),
      Buffer.from('CS'),
      Buffer.from([0x02, 0x00]),
      Buffer.from('MR'),
      Buffer.from([0xfe, 0xff, 0x0d, 0xe0, 0, 0, 0, 0]),
      Buffer.from([0xfe, 0xff, 0xdd, 0xe0, 0, 0, 0, 0]),
    ]);
    const modality = Buffer.concat([
      Buffer.from([0x08, 0x00, 0x60, 0x00]),
      Buffer.from('CS'),
      Buffer.from([0x02, 0x00]),
      Buffer.from('CT'),
    ]);
    const metadata = await parse(dicomWith('1.2.840.10008.1.2.1', Buffer.concat([seq, modality])));
    expect(metadata.modality).toBe('CT');
  });
});
