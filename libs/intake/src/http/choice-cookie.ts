import { Injectable } from '@nestjs/common';
import { AppConfig, SecretBox } from '@consilium/core';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { IntakeChoice } from '../wizard/intake-planner';

/** The first step's answers ride in a sealed cookie until the patient has an account; nothing clinical is in it. */
export const INTAKE_CHOICE_COOKIE = 'cs_intake';
const MAX_AGE = 7 * 24 * 3600;

/** The sealed cookie that carries a choice made before signing in (the portal offers it back). */
@Injectable()
export class IntakeChoiceCookie {
  private readonly box: SecretBox;

  constructor(private readonly config: AppConfig) {
    this.box = new SecretBox(config.appSecret, 'intake-choice');
  }

  read(req: FastifyRequest): IntakeChoice | undefined {
    const sealed = req.cookies?.[INTAKE_CHOICE_COOKIE];
    if (!sealed) return undefined;
    try {
      const parsed = JSON.parse(this.box.open(sealed)) as IntakeChoice;
      return typeof parsed.offering === 'string' && Array.isArray(parsed.addOns) && typeof parsed.jurisdiction === 'string'
        ? parsed
        : undefined;
    } catch {
      return undefined; // tampered, or sealed under an older secret: ask again
    }
  }

  set(reply: FastifyReply, choice: IntakeChoice): void {
    reply.setCookie(INTAKE_CHOICE_COOKIE, this.box.seal(JSON.stringify(choice)), {
      path: '/',
      httpOnly: true,
      sameSite: 'lax',
      maxAge: MAX_AGE,
      secure: this.config.raw.PUBLIC_SCHEME === 'https',
    });
  }

  clear(reply: FastifyReply): void {
    reply.clearCookie(INTAKE_CHOICE_COOKIE, { path: '/' });
  }
}
