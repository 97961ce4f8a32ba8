import { Controller, Get, Param, Post, Res } from '@nestjs/common';
import { Form, InvalidInput, msg, Page, Public, redirect, Redirect } from '@consilium/core';
import { TenantSite } from '@consilium/tenancy';
import type { FastifyReply } from 'fastify';
import { AccountsService } from '../accounts.service';
import { SessionCookie } from '../session-cookie';
import { safeNext } from './redirects';

const VERIFY_PAGE = { title: 'identity.verifyEmail.title', headers: { 'referrer-policy': 'no-referrer' } };

/**
 * The link a sign-up's email carries: opening it confirms the address, the password chosen at sign-up takes effect
 * and the person is signed in, back where they were going (an intake in progress, say). Like a sign-in link, a GET
 * only shows a button: mail scanners open links too.
 */
@Controller('verify-email')
@TenantSite()
export class EmailVerificationController {
  constructor(
    private readonly accounts: AccountsService,
    private readonly cookie: SessionCookie,
  ) {}

  @Public()
  @Get(':token')
  @Page('identity/verify-email', VERIFY_PAGE)
  page(@Param('token') token: string) {
    return { action: `/verify-email/${encodeURIComponent(token)}` };
  }

  @Public()
  @Post(':token')
  @Page('identity/verify-email', VERIFY_PAGE)
  @Form('identity/verify-email')
  async confirm(@Param('token') token: string, @Res({ passthrough: true }) reply: FastifyReply): Promise<Redirect> {
    const confirmed = await this.accounts.confirmSignUp(token);
    if (!confirmed) throw new InvalidInput({ _form: msg('identity.verifyEmail.expired') });
    this.cookie.set(reply, confirmed.sessionToken);
    return redirect(safeNext(confirmed.next ?? undefined, '/account'));
  }
}
