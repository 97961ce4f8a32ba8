import {
  ActiveContentRefused,
  ArchiveEmpty,
  DicomUnsupported,
  EmptyFile,
  ExecutableRefused,
  FileTypeNotAccepted,
  ImageTooLarge,
  MalwareDetected,
  ScriptRefused,
} from '../records.errors';
import { EICAR, fixture, jpeg, pdf, peExecutable, peInDicomPreamble, png } from '../../../../test/support/hostile-files';
import { bufferSource, ByteReader } from './byte-reader';
import { sniffContent, SNIFF_BYTES } from './content-sniffer';
import { checkImageSize } from './image-dimensions';

const MAX_PIXELS = 178_956_970;
const sniff = (bytes: Buffer) => sniffContent(bytes.subarray(0, SNIFF_BYTES), MAX_PIXELS);

describe('type by content', () => {
  it.each([
    ['a PDF', pdf(), 'pdf'],
    ['a PNG', png(), 'png'],
    ['a JPEG with 100 KB of EXIF before its frame header', jpeg(), 'jpeg'],
    ['a GIF', Buffer.concat([Buffer.from('GIF89a'), Buffer.from([10, 0, 10, 0]), Buffer.alloc(20)]), 'gif'],
    ['a TIFF', Buffer.concat([Buffer.from([0x49, 0x49, 0x2a, 0x00, 8, 0, 0, 0, 1, 0, 0, 1, 3, 0, 1, 0, 0, 0, 10, 0, 0, 0])]), 'tiff'],
    ['a ZIP', Buffer.from([0x50, 0x4b, 0x03, 0x04, ...Buffer.alloc(40)]), 'zip'],
    ['a DICOM file', fixture('CT1_UNC.implicit_little_endian.dcm'), 'dicom'],
  ])('accepts %s', async (_what, bytes, type) => {
    expect((await sniff(bytes)).type).toBe(type);
  });

  it('treats a DICOM file with a Windows program in its preamble as DICOM whose preamble must be zeroed', async () => {
    const polyglot = peInDicomPreamble();
    expect(polyglot.subarray(0, 2).toString()).toBe('MZ');
    expect(await sniff(polyglot)).toEqual({ type: 'dicom', zeroPreamble: true });
  });

  it.each([
    ['the EICAR test file', Buffer.from(EICAR), MalwareDetected],
    ['the EICAR string inside a PDF', Buffer.concat([pdf(100), Buffer.from(EICAR)]), MalwareDetected],
    ['a Windows program', peExecutable(), ExecutableRefused],
    ['a Linux program', Buffer.concat([Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1]), Buffer.alloc(100)]), ExecutableRefused],
    ['a macOS program', Buffer.concat([Buffer.from([0xcf, 0xfa, 0xed, 0xfe]), Buffer.alloc(100)]), ExecutableRefused],
    ['a shell script', Buffer.from('#!/bin/sh\nrm -rf ~\n'), ScriptRefused],
    ['a batch file', Buffer.from('@ECHO OFF\r\ndel *.*\r\n'), ScriptRefused],
    ['an HTML page', Buffer.from('\uFEFF  <!DOCTYPE html><html><script>alert(1)</script>'), ActiveContentRefused],
    ['an SVG drawing', Buffer.from('<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg"><script/></svg>'), ActiveContentRefused],
    ['plain text', Buffer.from('Discharge summary: patient stable.'), FileTypeNotAccepted],
    ['an empty ZIP', Buffer.from([0x50, 0x4b, 0x05, 0x06, ...Buffer.alloc(18)]), ArchiveEmpty],
    ['an empty file', Buffer.alloc(0), EmptyFile],
    ['a pixel-flood PNG (100,000 x 100,000 declared in 80 bytes)', png(100_000, 100_000), ImageTooLarge],
    ['a pixel-flood GIF', Buffer.concat([Buffer.from('GIF89a'), Buffer.from([0xff, 0xff, 0xff, 0xff]), Buffer.alloc(20)]), ImageTooLarge],
  ])('refuses %s', async (_what, bytes, refusal) => {
    await expect(sniff(bytes)).rejects.toBeInstanceOf(refusal);
  });

  it('says why, by a code whose words a patient can act on (records.errors.spec checks the words)', async () => {
    await expect(sniff(peExecutable())).rejects.toMatchObject({
      code: 'executable_file',
      status: 415,
      messageKey: 'records.errors.executable_file.message',
    });
    await expect(sniff(png(100_000, 100_000))).rejects.toMatchObject({ code: 'image_too_large', values: { megapixels: 178 } });
  });

  it('refuses DICOM without its preamble and "DICM" (old ACR-NEMA style) with its own reason', async () => {
    const implicit = fixture('CT1_UNC.implicit_little_endian.dcm');
    const metaLength = implicit.readUInt32LE(140);
    const headerless = implicit.subarray(144 + metaLength);
    expect(headerless.readUInt16LE(0)).toBe(0x0008);
    await expect(sniff(headerless)).rejects.toBeInstanceOf(DicomUnsupported);
  });

  it('checks a JPEG frame header that lies past the first bytes once the whole file is read', async () => {
    const flood = jpeg(60_000, 60_000, 200_000);
    expect((await sniff(flood)).type).toBe('jpeg');
    await expect(checkImageSize('jpeg', new ByteReader(bufferSource(flood)), MAX_PIXELS)).rejects.toBeInstanceOf(ImageTooLarge);
    await expect(checkImageSize('jpeg', new ByteReader(bufferSource(jpeg(4000, 3000, 200_000))), MAX_PIXELS)).resolves.toEqual({
      width: 4000,
      height: 3000,
    });
  });
});
