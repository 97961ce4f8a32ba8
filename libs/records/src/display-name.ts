import { DetectedType } from './sniff/content-sniffer';

const EXTENSIONS: Record<DetectedType, string[]> = {
  pdf: ['pdf'],
  dicom: ['dcm', 'dicom'],
  zip: ['zip'],
  jpeg: ['jpg', 'jpeg'],
  png: ['png'],
  gif: ['gif'],
  webp: ['webp'],
  tiff: ['tif', 'tiff'],
};

export const CONTENT_TYPES: Record<DetectedType, string> = {
  pdf: 'application/pdf',
  dicom: 'application/dicom',
  zip: 'application/zip',
  jpeg: 'image/jpeg',
  png: 'image/png',
  gif: 'image/gif',
  webp: 'image/webp',
  tiff: 'image/tiff',
};

/**
 * The patient's file name made safe to show and to offer back: no folders, no control or bidirectional-override
 * characters (which can disguise "report.exe" as "report.pdf"), at most 200 characters.
 */
export function displayName(declared: string | null | undefined): string {
  const base = (declared ?? '').normalize('NFC').split(/[/\\]/).pop() ?? '';
  const clean = base
    // eslint-disable-next-line no-control-regex -- control characters are what this removes
    .replace(/[\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g, '')
    .trim()
    .slice(0, 200);
  return clean && clean !== '.' && clean !== '..' ? clean : 'file';
}

/**
 * The name a download is offered under: the detected type decides the extension, so "report.jpg.exe" holding a JPEG
 * downloads as "report.jpg" and nothing is ever saved under an extension its content does not have.
 */
export function downloadName(name: string, type: DetectedType): string {
  const known = EXTENSIONS[type];
  const dot = name.lastIndexOf('.');
  const extension = dot > 0 ? name.slice(dot + 1).toLowerCase() : '';
  if (known.includes(extension)) return name;
  const stem = dot > 0 ? name.slice(0, dot) : name;
  const stemDot = stem.lastIndexOf('.');
  if (stemDot > 0 && known.includes(stem.slice(stemDot + 1).toLowerCase())) return stem;
  return `${stem || 'file'}.${known[0]}`;
}

/** RFC 6266 / 5987: an ASCII fallback plus the exact UTF-8 name. */
export function attachmentDisposition(name: string): string {
  const ascii = name.replace(/[^\x20-\x7e]/g, '_').replace(/["\\]/g, '_');
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(name).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)}`;
}
