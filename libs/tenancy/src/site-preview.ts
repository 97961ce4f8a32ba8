import { createHmac, timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';

/** The cookie that lets a hospital's own staff walk its intake before launch (set from the launch checklist). */
export const PREVIEW_COOKIE = 'consilium_preview';

/** The preview cookie's value for one hospital: an HMAC of its id under the platform's secret, so it opens no other. */
export function previewToken(secret: Buffer, tenantId: string): string {
  return createHmac('sha256', secret).update(`site-preview:${tenantId}`).digest('base64url');
}

export function hasPreview(request: FastifyRequest, secret: Buffer, tenantId: string): boolean {
  const given = request.cookies?.[PREVIEW_COOKIE];
  if (!given) return false;
  const expected = Buffer.from(previewToken(secret, tenantId));
  const actual = Buffer.from(given);
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}
