import { createHash } from 'node:crypto';
import { LoadedAsset, sniffImage } from '../blueprint/blueprint-loader';
import type { UploadedFile } from './multipart-form';

export const MAX_BRAND_IMAGE_BYTES = 1024 * 1024;

const EXTENSIONS: Record<string, string> = {
  'image/png': 'png',
  'image/jpeg': 'jpg',
  'image/webp': 'webp',
  'image/x-icon': 'ico',
  'image/svg+xml': 'svg',
};

/**
 * A logo uploaded in a console, judged by its bytes as the blueprint loader judges a file in assets/ (the name and
 * the browser's content type are never trusted): an SVG, PNG, JPEG, WebP or ICO image of at most 1 MiB, and an
 * SVG without script; `only` narrows the types, with its own refusal. Returns the asset to store, named
 * `<base>.<type's extension>`, or what is wrong.
 */
export function readBrandImage(
  bytes: Buffer,
  base: string,
  only?: { types: ReadonlySet<string>; refusal: string },
): { asset: LoadedAsset } | { problem: string } {
  if (!bytes.length) return { problem: 'Choose an image file.' };
  if (bytes.length > MAX_BRAND_IMAGE_BYTES) return { problem: 'The image is larger than 1 MiB.' };
  const contentType = sniffImage(bytes);
  if (only && !(contentType && only.types.has(contentType))) return { problem: only.refusal };
  if (!contentType) return { problem: 'The file is not an SVG, PNG, JPEG, WebP or ICO image.' };
  if (contentType === 'image/svg+xml' && /<script|on[a-z]+\s*=|javascript:/i.test(bytes.toString('utf8'))) {
    return { problem: 'The SVG contains script; brand images must be plain SVG.' };
  }
  return {
    asset: { name: `${base}.${EXTENSIONS[contentType]}`, contentType, bytes, sha256: createHash('sha256').update(bytes).digest('hex') },
  };
}

/** The same judgement of a console form's file field: none chosen and a file cut off at the limit are refused too. */
export function readUploadedImage(
  file: UploadedFile | undefined,
  base: string,
  only?: { types: ReadonlySet<string>; refusal: string },
): { asset: LoadedAsset } | { problem: string } {
  if (!file) return { problem: 'Choose an image file.' };
  if (file.truncated) return { problem: 'The image is larger than 1 MiB.' };
  return readBrandImage(file.bytes, base, only);
}
