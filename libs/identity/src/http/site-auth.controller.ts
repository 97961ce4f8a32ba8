import { Body, Controller, Get, Header, HttpCode, Param, Post, Query, Req, Res, UseGuards } from '@nestjs/common';
import { AppConfig, InvalidInput, Public, RateLimit, readForm, RequestContext, TenantDatabase, ViewRenderer } from '@consilium/core';
import { ResolvedTenant, TenantSite } from '@consilium/tenancy';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { Account } from '../account.entity';
import { AccountsService } from '../accounts.service';
import { SessionCookie } from '../session-cookie';
import { SessionService } from '../session.service';
import { PasswordSignIn, SignInOutcome } from '../strategies/password.strategy';
import { safeNext } from './redirects';

const signUpForm = z.object({
  name: z.string().trim().min(1, 'Enter your name.').max(200),
  email: z.email('Enter an email address like name@example.com.').max(254),
  password: z.string().min(1, 'Choose a password.'),
  terms: z.literal('yes', { error: 'Please accept the terms to create an account.' }),
});
const emailForm = z.object({ email: z.email('Enter an email address like name@example.com.').max(254) });
const resetForm = z.object({ password: z.string().min(1, 'Choose a new password.') });

type Req = FastifyRequest & { signIn?: SignInOutcome<Account> };

/** Patients (and local physicians) on a hospital's site: sign up, sign in by password or emailed link, reset. */
@Controller()
@TenantSite()
export class SiteAuthController {
  constructor(
    private readonly views: ViewRenderer,
    private readonly accounts: AccountsService,
    private readonly sessions: SessionService,
    private readonly cookie: SessionCookie,
    private readonly db: TenantDatabase,
    private readonly context: RequestContext,
    private readonly config: AppConfig,
  ) {}

  @Public()
  @Get('sign-in')
  @Header('content-type', 'text/html; charset=utf-8')
  signInPage(@Query('next') next?: string): string {
    return this.views.render('identity/sign-in', { title: 'Sign in', next: safeNext(next, ''), values: {} });
  }

  @Public()
  @RateLimit('sign-in', { address: 'email', page: { view: 'identity/sign-in' } })
  @Post('sign-in')
  @HttpCode(200)
  @UseGuards(PasswordSignIn)
  async signIn(
    @Req() req: Req,
    @Body() body: Record<string, string>,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<string | void> {
    const outcome = req.signIn!;
    if (!outcome.user) {
      reply.status(400).header('content-type', 'text/html; charset=utf-8');
      return this.views.render('identity/sign-in', {
        title: 'Sign in',
        next: safeNext(body.next, ''),
        values: { email: body.email ?? '' },
        formError: 'invalid',
      });
    }
    const { token } = await this.db.transaction((tx) => this.sessions.create(tx, outcome.user!.id, 'patient'));
    this.cookie.set(reply, token);
    void reply.redirect(safeNext(body.next, '/account'), 303);
  }

  @Public()
  @Get('sign-up')
  @Header('content-type', 'text/html; charset=utf-8')
  signUpPage(@Query('next') next?: string): string {
    return this.views.render('identity/sign-up', { title: 'Create an account', next: safeNext(next, ''), values: {} });
  }

  @Public()
  @RateLimit('sign-up', { address: 'email', page: { view: 'identity/sign-up' } })
  @Post('sign-up')
  @HttpCode(200)
  async signUp(@Body() body: unknown, @Res({ passthrough: true }) reply: FastifyReply): Promise<string | void> {
    const form = readForm(signUpForm, body);
    let errors = form.ok ? {} : form.errors;
    if (form.ok) {
      try {
        const next = safeNext((body as Record<string, string>).next, '');
        await this.accounts.signUpPatient({ ...form.data, locale: this.context.locale(), next }, this.origin());
        reply.header('content-type', 'text/html; charset=utf-8');
        return this.views.render('identity/check-email', { title: 'Check your email', purpose: 'sign-up' });
      } catch (error) {
        if (!(error instanceof InvalidInput)) throw error;
        errors = error.fields ?? {};
      }
    }
    reply.status(400).header('content-type', 'text/html; charset=utf-8');
    const values = { ...(body as Record<string, string>) };
    delete values.password;
    return this.views.render('identity/sign-up', { title: 'Create an account', next: safeNext(values.next, ''), values, errors });
  }

  @Public()
  @Post('sign-out')
  @HttpCode(200)
  async signOut(@Res() reply: FastifyReply): Promise<void> {
    const actor = this.context.actor();
    if (actor?.sessionId) await this.db.transaction((tx) => this.sessions.revoke(tx, actor.sessionId!));
    this.cookie.clear(reply);
    void reply.redirect('/', 303);
  }

  @Public()
  @Get('forgot-password')
  @Header('content-type', 'text/html; charset=utf-8')
  forgotPage(): string {
    return this.views.render('identity/forgot-password', { title: 'Reset your password', values: {}, action: '/forgot-password' });
  }

  @Public()
  @RateLimit('password-reset', { address: 'email', page: { view: 'identity/forgot-password' } })
  @Post('forgot-password')
  @HttpCode(200)
  async forgot(@Body() body: unknown, @Res({ passthrough: true }) reply: FastifyReply): Promise<string> {
    reply.header('content-type', 'text/html; charset=utf-8');
    const form = readForm(emailForm, body);
    if (!form.ok) {
      reply.status(400);
      return this.views.render('identity/forgot-password', {
        title: 'Reset your password',
        values: form.values,
        errors: form.errors,
        action: '/forgot-password',
      });
    }
    await this.accounts.requestPasswordReset('patient', form.data.email, this.origin());
    return this.views.render('identity/check-email', { title: 'Check your email', purpose: 'reset' });
  }

  @Public()
  @Get('reset-password/:token')
  @Header('content-type', 'text/html; charset=utf-8')
  @Header('referrer-policy', 'no-referrer')
  resetPage(@Param('token') token: string): string {
    return this.views.render('identity/reset-password', {
      title: 'Choose a new password',
      token,
      action: `/reset-password/${encodeURIComponent(token)}`,
    });
  }

  @Public()
  @Post('reset-password/:token')
  @HttpCode(200)
  async reset(
    @Param('token') token: string,
    @Body() body: unknown,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<string | void> {
    const form = readForm(resetForm, body);
    let errors = form.ok ? {} : form.errors;
    if (form.ok) {
      try {
        const account = await this.accounts.resetPassword(token, form.data.password);
        return void reply.redirect(account.kind === 'staff' ? '/console/sign-in?ready=1' : '/sign-in?reset=1', 303);
      } catch (error) {
        if (!(error instanceof InvalidInput)) throw error;
        errors = error.fields ?? {};
      }
    }
    reply.status(400).header('content-type', 'text/html; charset=utf-8').header('referrer-policy', 'no-referrer');
    return this.views.render('identity/reset-password', {
      title: 'Choose a new password',
      token,
      errors,
      action: `/reset-password/${encodeURIComponent(token)}`,
    });
  }

  @Public()
  @RateLimit('sign-in-link', { address: 'email', page: { view: 'identity/sign-in' } })
  @Post('sign-in/link')
  @HttpCode(200)
  async requestLink(@Body() body: unknown, @Res({ passthrough: true }) reply: FastifyReply): Promise<string> {
    reply.header('content-type', 'text/html; charset=utf-8');
    const form = readForm(emailForm, body);
    if (!form.ok) {
      reply.status(400);
      return this.views.render('identity/sign-in', { title: 'Sign in', values: form.values, linkErrors: form.errors });
    }
    await this.accounts.requestMagicLink('patient', form.data.email, this.origin());
    return this.views.render('identity/check-email', { title: 'Check your email', purpose: 'link' });
  }

  /** The emailed link shows a button rather than signing in on GET: mail scanners open links too. */
  @Public()
  @Get('sign-in/link/:token')
  @Header('content-type', 'text/html; charset=utf-8')
  @Header('referrer-policy', 'no-referrer')
  linkPage(@Param('token') token: string): string {
    return this.views.render('identity/magic-link', { title: 'Sign in', action: `/sign-in/link/${encodeURIComponent(token)}` });
  }

  @Public()
  @Post('sign-in/link/:token')
  @HttpCode(200)
  async useLink(@Param('token') token: string, @Res({ passthrough: true }) reply: FastifyReply): Promise<string | void> {
    const session = await this.db.transaction(async (tx) => {
      const accountId = await this.accounts.consumeMagicLink(tx, token);
      if (!accountId) return null;
      const account = await tx.findOneBy(Account, { id: accountId });
      if (!account || account.disabledAt || account.kind === 'staff') return null;
      return this.sessions.create(tx, account.id, account.kind);
    });
    if (!session) {
      reply.status(400).header('content-type', 'text/html; charset=utf-8');
      return this.views.render('identity/magic-link', { title: 'Sign in', expired: true });
    }
    this.cookie.set(reply, session.token);
    void reply.redirect('/account', 303);
  }

  private origin(): string {
    return this.config.originFor(this.context.tenant<ResolvedTenant>().primaryHost);
  }
}
