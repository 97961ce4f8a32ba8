import { msg, type MessageRef, type UploadedFile } from '@consilium/core';
import { createHash } from 'node:crypto';
import { LoadedAsset, sniffImage } from '../blueprint/blueprint-loader';

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
 * `<base>.<type's extension>`, or what is wrong (a catalog key).
 */
export function readBrandImage(
  bytes: Buffer,
  base: string,
  only?: { types: ReadonlySet<string>; refusal: MessageRef },
): { asset: LoadedAsset } | { problem: MessageRef } {
  if (!bytes.length) return { problem: msg('site.image.choose') };
  if (bytes.length > MAX_BRAND_IMAGE_BYTES) return { problem: msg('site.image.tooLarge') };
  const contentType = sniffImage(bytes);
  if (only && !(contentType && only.types.has(contentType))) return { problem: only.refusal };
  if (!contentType) return { problem: msg('site.image.notImage') };
  if (contentType === 'image/svg+xml' && /<script|on[a-z]+\s*=|javascript:/i.test(bytes.toString('utf8'))) {
    return { problem: msg('site.image.svgScript') };
  }
  return {
    asset: { name: `${base}.${EXTENSIONS[contentType]}`, contentType, bytes, sha256: createHash('sha256').update(bytes).digest('hex') },
  };
}

/** The same judgement of a console form's file field: none chosen and a file cut off at the limit are refused too. */
export function readUploadedImage(
  file: UploadedFile | undefined,
  base: string,
  only?: { types: ReadonlySet<string>; refusal: MessageRef },
): { asset: LoadedAsset } | { problem: MessageRef } {
  if (!file) return { problem: msg('site.image.choose') };
  if (file.truncated) return { problem: msg('site.image.tooLarge') };
  return readBrandImage(file.bytes, base, only);
}
