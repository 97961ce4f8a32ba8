import { InvalidInput } from '@consilium/core';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { TusVersionUnsupported } from '../uploads/upload.errors';
import { PartChecksum } from '../uploads/resumable-uploads.service';

export const TUS_VERSION = '1.0.0';
export const TUS_EXTENSIONS = 'creation,termination,checksum,expiration';
export const TUS_CONTENT_TYPE = 'application/offset+octet-stream';

/** Every tus response carries the protocol version; every request but OPTIONS must name it (412 otherwise). */
export function tusHeaders(request: FastifyRequest, reply: FastifyReply): void {
  void reply.header('tus-resumable', TUS_VERSION).header('cache-control', 'no-store');
  if (request.method !== 'OPTIONS' && request.headers['tus-resumable'] !== TUS_VERSION) {
    void reply.header('tus-version', TUS_VERSION);
    throw new TusVersionUnsupported();
  }
}

export function byteCountHeader(request: FastifyRequest, name: string): number {
  const raw = request.headers[name];
  if (typeof raw !== 'string' || !/^\d{1,16}$/.test(raw) || !Number.isSafeInteger(Number(raw))) {
    throw new InvalidInput({ [name]: 'must be a whole number of bytes' }, 'The upload request is missing a size.');
  }
  return Number(raw);
}

/** `Upload-Metadata: filename <base64>,filetype <base64>`. Only the name is used, as a label; the type is ignored. */
export function metadataFileName(request: FastifyRequest): string | null {
  const raw = request.headers['upload-metadata'];
  if (typeof raw !== 'string') return null;
  for (const pair of raw.split(',')) {
    const [key, value] = pair.trim().split(' ');
    if (key === 'filename' && value) return Buffer.from(value, 'base64').toString('utf8');
  }
  return null;
}

/**
 * `Upload-Metadata: ...,sha256 <base64 of the hex digest>`: the sender's SHA-256 of the whole file (our browser
 * client sends it for files it can read at once), checked when the upload completes. Null when not sent.
 */
export function metadataSha256(request: FastifyRequest): string | null {
  const raw = request.headers['upload-metadata'];
  if (typeof raw !== 'string') return null;
  for (const pair of raw.split(',')) {
    const [key, value] = pair.trim().split(' ');
    if (key !== 'sha256') continue;
    const digest = Buffer.from(value ?? '', 'base64')
      .toString('latin1')
      .toLowerCase();
    if (!/^[0-9a-f]{64}$/.test(digest)) {
      throw new InvalidInput(
        { 'upload-metadata': 'sha256 must be the base64 of a hexadecimal SHA-256' },
        'The upload request carries a malformed digest.',
      );
    }
    return digest;
  }
  return null;
}

/** `Upload-Checksum: sha256 <base64>` (sha1 too: it is what tus clients send by default). */
export function partChecksum(request: FastifyRequest): PartChecksum | undefined {
  const raw = request.headers['upload-checksum'];
  if (typeof raw !== 'string') return undefined;
  const [algorithm, digest] = raw.trim().split(' ');
  if ((algorithm !== 'sha1' && algorithm !== 'sha256') || !digest) {
    throw new InvalidInput(
      { 'upload-checksum': 'must be "sha1 <base64>" or "sha256 <base64>"' },
      'That checksum algorithm is not supported.',
    );
  }
  return { algorithm, digest: Buffer.from(digest, 'base64') };
}

/** The request's path without its query: the host app's prefix is whatever it mounted us under. */
export function pathOf(request: FastifyRequest): string {
  return request.url.split('?')[0].replace(/\/+$/, '');
}
