import {
  ActiveContentRefused,
  ArchiveEmpty,
  DicomUnsupported,
  EmptyFile,
  ExecutableRefused,
  FileTypeNotAccepted,
  MalwareDetected,
  ScriptRefused,
} from '../records.errors';
import { bufferSource, ByteReader, EndOfData } from './byte-reader';
import { checkImageSize, ImageType } from './image-dimensions';

export type DetectedType = 'pdf' | 'dicom' | 'zip' | ImageType;

export const DETECTED_TYPES: readonly DetectedType[] = ['pdf', 'dicom', 'zip', 'jpeg', 'png', 'gif', 'webp', 'tiff'];

/** How many leading bytes the type decision looks at. */
export const SNIFF_BYTES = 64 * 1024;

// Kept in two halves so this source file is not itself flagged by a virus scanner.
const EICAR = Buffer.from(['X5O!P%@AP[4\\PZX54(P^)7CC)7}$', 'EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*'].join(''), 'latin1');

const MAGIC: [DetectedType, number, Buffer][] = [
  ['pdf', 0, Buffer.from('%PDF-', 'latin1')],
  ['jpeg', 0, Buffer.from([0xff, 0xd8, 0xff])],
  ['png', 0, Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])],
  ['gif', 0, Buffer.from('GIF87a', 'latin1')],
  ['gif', 0, Buffer.from('GIF89a', 'latin1')],
  ['tiff', 0, Buffer.from([0x49, 0x49, 0x2a, 0x00])],
  ['tiff', 0, Buffer.from([0x4d, 0x4d, 0x00, 0x2a])],
  ['zip', 0, Buffer.from([0x50, 0x4b, 0x03, 0x04])],
];

const EXECUTABLE_MAGIC = [
  Buffer.from('MZ', 'latin1'), // Windows PE (and DOS)
  Buffer.from([0x7f, 0x45, 0x4c, 0x46]), // ELF
  Buffer.from([0xfe, 0xed, 0xfa, 0xce]),
  Buffer.from([0xfe, 0xed, 0xfa, 0xcf]), // Mach-O
  Buffer.from([0xce, 0xfa, 0xed, 0xfe]),
  Buffer.from([0xcf, 0xfa, 0xed, 0xfe]),
  Buffer.from([0xca, 0xfe, 0xba, 0xbe]), // Mach-O universal, Java class
  Buffer.from('dex\n', 'latin1'), // Android
];

const MARKUP = /^(<!doctype\s+html|<html|<head|<body|<script|<svg|<iframe|<\?xml[\s\S]*<(svg|html|script)\b)/;
const SCRIPT = /^(#!|@echo\s+off|<job\b|<package\b|<\?php|set\s+\w+\s*=\s*createobject|powershell)/;

export interface Sniffed {
  type: DetectedType;
  /** DICOM: the 128-byte preamble must be zeroed before the file is stored (CVE-2019-11687). */
  zeroPreamble: boolean;
}

/**
 * Decides what a file is from its first bytes alone; its name and declared type are never consulted. Anything that
 * is not a PDF, an image, DICOM or a ZIP is refused, and programs, scripts, web pages and the EICAR test signature
 * are refused by name so the patient learns why. DICOM is recognised by "DICM" at offset 128 before anything looks
 * at offset 0, so a program hidden in the preamble (a PE/DICOM polyglot) is treated as DICOM and neutralised.
 */
export async function sniffContent(head: Buffer, maxImagePixels: number): Promise<Sniffed> {
  if (head.length === 0) throw new EmptyFile();
  if (head.includes(EICAR)) throw new MalwareDetected();
  if (head.length >= 132 && head.toString('latin1', 128, 132) === 'DICM') return { type: 'dicom', zeroPreamble: true };
  for (const [type, offset, magic] of MAGIC) {
    if (head.length >= offset + magic.length && head.subarray(offset, offset + magic.length).equals(magic)) {
      if (type !== 'pdf' && type !== 'zip' && type !== 'dicom') await checkHead(type, head, maxImagePixels);
      return { type, zeroPreamble: false };
    }
  }
  if (head.length >= 12 && head.toString('latin1', 0, 4) === 'RIFF' && head.toString('latin1', 8, 12) === 'WEBP') {
    await checkHead('webp', head, maxImagePixels);
    return { type: 'webp', zeroPreamble: false };
  }
  if (head.length >= 4 && head.readUInt32LE(0) === 0x06054b50) throw new ArchiveEmpty();
  if (EXECUTABLE_MAGIC.some((magic) => head.subarray(0, magic.length).equals(magic))) throw new ExecutableRefused();
  if (looksLikeHeaderlessDicom(head)) throw new DicomUnsupported('no_header');
  const text = head
    .subarray(0, 2048)
    .toString('utf8')
    .replace(/^\uFEFF/, '')
    .trimStart()
    .toLowerCase();
  if (MARKUP.test(text)) throw new ActiveContentRefused();
  if (SCRIPT.test(text)) throw new ScriptRefused();
  throw new FileTypeNotAccepted();
}

async function checkHead(type: ImageType, head: Buffer, maxImagePixels: number): Promise<void> {
  try {
    await checkImageSize(type, new ByteReader(bufferSource(head)), maxImagePixels);
  } catch (error) {
    // The header runs past the first bytes: the stored file gets the full check when it is processed.
    if (!(error instanceof EndOfData)) throw error;
  }
}

/**
 * Decision: DICOM without the 128-byte preamble and "DICM" (old ACR-NEMA style, implicit VR) is refused with its own
 * reason rather than guessed at: nothing in it says which encoding it uses, and any viewer export offers the standard
 * form. Recognised by a first element in group 0x0008 with a plausible even length.
 */
function looksLikeHeaderlessDicom(head: Buffer): boolean {
  if (head.length < 8 || head.readUInt16LE(0) !== 0x0008) return false;
  const element = head.readUInt16LE(2);
  const length = head.readUInt32LE(4);
  const explicitVr = /^[A-Z]{2}$/.test(head.toString('latin1', 4, 6));
  return element <= 0x0020 && (explicitVr || (length % 2 === 0 && length < 1024));
}
