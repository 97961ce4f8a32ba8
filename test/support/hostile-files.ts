import { readFileSync } from 'node:fs';
import path from 'node:path';
import { deflateSync } from 'node:zlib';
import { crc32 } from 'node:zlib';
import { makeZip } from './zip-writer';

/** The public DICOM test files, kept in the repository with their provenance and licence: see test/fixtures/dicom/README.md. */
export const DICOM_FIXTURES = path.resolve(__dirname, '../fixtures/dicom');

export function fixture(name: string): Buffer {
  return readFileSync(path.join(DICOM_FIXTURES, name));
}

/** The EICAR antivirus test string, assembled at run time so this file itself is not flagged by a scanner. */
export const EICAR = ['X5O!P%@AP[4\\PZX54(P^)7CC)7}$', 'EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*'].join('');

/** A minimal Windows PE: "MZ", a DOS stub and a PE header pointer, as at the start of any .exe. */
export function peExecutable(size = 4096): Buffer {
  const exe = Buffer.alloc(size);
  exe.write('MZ', 0, 'latin1');
  exe.writeUInt32LE(0x80, 0x3c);
  exe.write('This program cannot be run in DOS mode.', 0x4e, 'latin1');
  exe.write('PE\0\0', 0x80, 'latin1');
  return exe;
}

/** CVE-2019-11687: a DICOM file whose 128-byte preamble is a PE header, so it is both an image and a program. */
export function peInDicomPreamble(): Buffer {
  const dicom = Buffer.from(fixture('CT1_UNC.explicit_little_endian.dcm'));
  peExecutable(128).copy(dicom, 0, 0, 128);
  return dicom;
}

export function pdf(bodyBytes = 2048): Buffer {
  const filler = Buffer.alloc(bodyBytes, 0x20);
  return Buffer.concat([Buffer.from('%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n'), filler, Buffer.from('\n%%EOF\n')]);
}

/** A tiny valid PNG, or one whose header claims `width` x `height` (a pixel flood: the data stays tiny). */
export function png(width = 1, height = 1): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const out = Buffer.alloc(12 + data.length);
    out.writeUInt32BE(data.length, 0);
    out.write(type, 4, 'latin1');
    data.copy(out, 8);
    out.writeUInt32BE(crc32(Buffer.concat([Buffer.from(type, 'latin1'), data])), 8 + data.length);
    return out;
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.writeUInt8(8, 8); // bit depth
  ihdr.writeUInt8(0, 9); // greyscale
  const pixels = deflateSync(Buffer.from([0, 0]));
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', pixels),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

/** A baseline JPEG header with a large EXIF segment before the frame header, then the frame header itself. */
export function jpeg(width = 640, height = 480, exifBytes = 100_000): Buffer {
  const segments: Buffer[] = [Buffer.from([0xff, 0xd8])];
  let remaining = exifBytes;
  while (remaining > 0) {
    const n = Math.min(remaining, 65000);
    const app = Buffer.alloc(4 + n);
    app.writeUInt16BE(0xffe1, 0);
    app.writeUInt16BE(n + 2, 2);
    segments.push(app);
    remaining -= n;
  }
  const sof = Buffer.from([0xff, 0xc0, 0x00, 0x0b, 0x08, 0, 0, 0, 0, 0x01, 0x01, 0x11, 0x00]);
  sof.writeUInt16BE(height, 5);
  sof.writeUInt16BE(width, 7);
  segments.push(sof, Buffer.from([0xff, 0xd9]));
  return Buffer.concat(segments);
}

/** A small zip bomb: 200 MiB of zeros deflated to about 200 KB. */
export function zipBomb(): Buffer {
  return makeZip([{ name: 'scan.dcm', data: Buffer.alloc(200 * 1024 * 1024) }]);
}

/**
 * A bomb whose headers claim a harmless 1 KB, and whose content starts like a PDF so the type check lets it flow:
 * only counting bytes while inflating catches it.
 */
export function lyingZipBomb(): Buffer {
  const data = Buffer.alloc(50 * 1024 * 1024);
  data.write('%PDF-1.7\n', 0, 'latin1');
  return makeZip([{ name: 'report.pdf', data, declaredSize: 1024 }]);
}
