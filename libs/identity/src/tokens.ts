import { createHash, randomBytes } from 'node:crypto';

/** 256 random bits, URL-safe: session cookies, one-time links, API keys. Only the SHA-256 is stored. */
export function newToken(prefix = ''): { token: string; hash: Buffer } {
  const token = prefix + randomBytes(32).toString('base64url');
  return { token, hash: hashToken(token) };
}

export function hashToken(token: string): Buffer {
  return createHash('sha256').update(token).digest();
}
