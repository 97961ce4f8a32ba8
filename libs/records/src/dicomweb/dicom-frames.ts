import * as dicomParser from 'dicom-parser';
import { DataSet } from 'dicom-parser';
import { TRANSFER_SYNTAX } from '../dicom/dicom-tags';

/** One frame's bytes as DICOMweb hands them out, with the media type that says how they are encoded. */
export interface DicomFrame {
  bytes: Buffer;
  contentType: string;
}

const PIXEL_DATA = 'x7fe00010';
const JPEG_BASELINE = new Set(['1.2.840.10008.1.2.4.50', '1.2.840.10008.1.2.4.51']);
const JPEG_LOSSLESS = new Set(['1.2.840.10008.1.2.4.57', '1.2.840.10008.1.2.4.70']);
const JPEG_2000 = new Set(['1.2.840.10008.1.2.4.90', '1.2.840.10008.1.2.4.91']);

/** Parses a whole Part 10 file; dicom-parser reads every transfer syntax we accept (deflated is refused at upload). */
export function parseDataSet(bytes: Buffer): DataSet {
  return dicomParser.parseDicom(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.length));
}

export function transferSyntaxOf(dataSet: DataSet): string {
  return dataSet.string('x00020010') ?? TRANSFER_SYNTAX.implicitLittle;
}

export function frameCount(dataSet: DataSet): number {
  const frames = Number.parseInt(dataSet.string('x00280008') ?? '1', 10);
  return Number.isFinite(frames) && frames > 0 ? frames : 1;
}

/**
 * Frame `number` (1-based), or null when the instance has no such frame. Native pixel data is handed out little
 * endian (the DICOMweb default for uncompressed frames), so a big endian file's 16-bit samples are swapped;
 * encapsulated frames are handed out as stored, labelled with their transfer syntax.
 */
export function readFrame(dataSet: DataSet, number: number): DicomFrame | null {
  const pixels = dataSet.elements[PIXEL_DATA];
  const count = frameCount(dataSet);
  if (!pixels || number < 1 || number > count) return null;
  const syntax = transferSyntaxOf(dataSet);
  const view = (bytes: Uint8Array) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
  if (pixels.encapsulatedPixelData) {
    const fragments = pixels.fragments ?? [];
    let bytes: Uint8Array;
    if (pixels.basicOffsetTable?.length) bytes = dicomParser.readEncapsulatedImageFrame(dataSet, pixels, number - 1);
    else if (count === fragments.length) bytes = dicomParser.readEncapsulatedPixelDataFromFragments(dataSet, pixels, number - 1, 1);
    else if (count === 1) bytes = dicomParser.readEncapsulatedPixelDataFromFragments(dataSet, pixels, 0, fragments.length);
    else {
      // Several frames in more fragments and no offset table: JPEG frames are found by their start-of-image marks.
      const table = dicomParser.createJPEGBasicOffsetTable(dataSet, pixels);
      bytes = dicomParser.readEncapsulatedImageFrame(dataSet, pixels, number - 1, table);
    }
    return { bytes: Buffer.from(view(bytes)), contentType: encapsulatedType(syntax) };
  }
  const rows = dataSet.uint16('x00280010') ?? 0;
  const columns = dataSet.uint16('x00280011') ?? 0;
  const samples = dataSet.uint16('x00280002') ?? 1;
  const bitsAllocated = dataSet.uint16('x00280100') ?? 16;
  const frameBytes = Math.ceil((rows * columns * samples * bitsAllocated) / 8);
  const start = pixels.dataOffset + frameBytes * (number - 1);
  if (frameBytes === 0 || start + frameBytes > pixels.dataOffset + pixels.length) return null;
  const bytes = Buffer.from(view(dataSet.byteArray.subarray(start, start + frameBytes)));
  if (syntax === TRANSFER_SYNTAX.explicitBig && bitsAllocated === 16) bytes.swap16();
  return { bytes, contentType: `application/octet-stream; transfer-syntax=${TRANSFER_SYNTAX.explicitLittle}` };
}

function encapsulatedType(syntax: string): string {
  if (JPEG_BASELINE.has(syntax)) return `image/jpeg; transfer-syntax=${syntax}`;
  if (JPEG_LOSSLESS.has(syntax)) return `image/jll; transfer-syntax=${syntax}`;
  if (JPEG_2000.has(syntax)) return `image/jp2; transfer-syntax=${syntax}`;
  return `application/octet-stream; transfer-syntax=${syntax}`;
}
