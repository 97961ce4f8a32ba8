import { Controller, Get, Header, HttpCode, Param, Post, Res } from '@nestjs/common';
import { Public, ViewRenderer } from '@consilium/core';
import { TenantSite } from '@consilium/tenancy';
import type { FastifyReply } from 'fastify';
import { AccountsService } from '../accounts.service';
import { SessionCookie } from '../session-cookie';
import { safeNext } from './redirects';

/**
 * The link a sign-up's email carries: opening it confirms the address, the password chosen at sign-up takes effect
 * and the person is signed in, back where they were going (an intake in progress, say). Like a sign-in link, a GET
 * only shows a button: mail scanners open links too.
 */
@Controller('verify-email')
@TenantSite()
export class EmailVerificationController {
  constructor(
    private readonly views: ViewRenderer,
    private readonly accounts: AccountsService,
    private readonly cookie: SessionCookie,
  ) {}

  @Public()
  @Get(':token')
  @Header('content-type', 'text/html; charset=utf-8')
  @Header('referrer-policy', 'no-referrer')
  page(@Param('token') token: string): string {
    return this.views.render('identity/verify-email', {
      title: 'Confirm your email',
      action: `/verify-email/${encodeURIComponent(token)}`,
    });
  }

  @Public()
  @Post(':token')
  @HttpCode(200)
  async confirm(@Param('token') token: string, @Res({ passthrough: true }) reply: FastifyReply): Promise<string | void> {
    const confirmed = await this.accounts.confirmSignUp(token);
    if (!confirmed) {
      reply.status(400).header('content-type', 'text/html; charset=utf-8').header('referrer-policy', 'no-referrer');
      return this.views.render('identity/verify-email', { title: 'Confirm your email', expired: true });
    }
    this.cookie.set(reply, confirmed.sessionToken);
    void reply.redirect(safeNext(confirmed.next ?? undefined, '/account'), 303);
  }
}
