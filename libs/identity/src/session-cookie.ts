import { Injectable } from '@nestjs/common';
import { AppConfig } from '@consilium/core';
import type { FastifyReply, FastifyRequest } from 'fastify';

/**
 * The session cookie: opaque, HttpOnly, SameSite=Lax, host-only (no Domain attribute, so it never reaches another
 * hospital's host), Secure with the __Host- prefix behind HTTPS. No Max-Age: the server enforces idle and absolute
 * limits; the browser drops it when closed.
 */
@Injectable()
export class SessionCookie {
  readonly name: string;
  private readonly secure: boolean;

  constructor(config: AppConfig) {
    this.secure = config.raw.PUBLIC_SCHEME === 'https';
    this.name = this.secure ? '__Host-consilium_session' : 'consilium_session';
  }

  read(request: FastifyRequest): string | undefined {
    return request.cookies?.[this.name] || undefined;
  }

  set(reply: FastifyReply, token: string): void {
    reply.setCookie(this.name, token, { path: '/', httpOnly: true, sameSite: 'lax', secure: this.secure });
  }

  clear(reply: FastifyReply): void {
    reply.clearCookie(this.name, { path: '/', httpOnly: true, sameSite: 'lax', secure: this.secure });
  }
}
