import { Body, Controller, Get, Param, Post, Query, Req, Res, UseGuards } from '@nestjs/common';
import {
  AppConfig,
  field,
  Form,
  InvalidInput,
  msg,
  Page,
  parseForm,
  Public,
  RateLimit,
  redirect,
  Redirect,
  RequestContext,
  TenantDatabase,
} from '@consilium/core';
import { ResolvedTenant, TenantSite } from '@consilium/tenancy';
import type { FastifyReply } from 'fastify';
import { z } from 'zod';
import { Account } from '../account.entity';
import { AccountsService } from '../accounts.service';
import { SessionCookie } from '../session-cookie';
import { SessionService } from '../session.service';
import { PasswordSignIn, refuseSignIn, SignInRequest } from '../strategies/password.strategy';
import { AuthFormPresenter } from './auth-form.presenter';
import { safeNext } from './redirects';

const signUpForm = z.object({
  name: field.text({ required: 'identity.signUp.nameRequired' }),
  email: field.email(),
  password: field.password('identity.signUp.passwordRequired'),
  terms: field.checkbox().refine(Boolean, 'identity.signUp.acceptTerms'),
});
const emailForm = z.object({ email: field.email() });
const resetForm = z.object({ password: field.password('identity.reset.passwordRequired') });
const NO_REFERRER = { 'referrer-policy': 'no-referrer' };

/** Patients (and local physicians) on a hospital's site: sign up, sign in by password or emailed link, reset. */
@Controller()
@TenantSite()
export class SiteAuthController {
  constructor(
    private readonly accounts: AccountsService,
    private readonly sessions: SessionService,
    private readonly cookie: SessionCookie,
    private readonly db: TenantDatabase,
    private readonly context: RequestContext,
    private readonly config: AppConfig,
  ) {}

  @Public()
  @Get('sign-in')
  @Page('identity/sign-in', { title: 'identity.signIn.title' })
  signInPage(@Query('next') next?: string) {
    return { next: safeNext(next, '') };
  }

  @Public()
  @RateLimit('sign-in', { address: 'email' })
  @Post('sign-in')
  @UseGuards(PasswordSignIn)
  @Form('identity/sign-in', { presenter: AuthFormPresenter, title: 'identity.signIn.title' })
  async signIn(
    @Req() req: SignInRequest<Account>,
    @Body() body: Record<string, string>,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<Redirect> {
    const user = refuseSignIn(req.signIn!);
    const { token } = await this.db.transaction((tx) => this.sessions.create(tx, user.id, 'patient'));
    this.cookie.set(reply, token);
    return redirect(safeNext(body.next, '/account'));
  }

  @Public()
  @Get('sign-up')
  @Page('identity/sign-up', { title: 'identity.signUp.title' })
  signUpPage(@Query('next') next?: string) {
    return { next: safeNext(next, '') };
  }

  @Public()
  @RateLimit('sign-up', { address: 'email' })
  @Post('sign-up')
  @Page('identity/check-email', { title: 'identity.checkEmail.title' })
  @Form('identity/sign-up', { presenter: AuthFormPresenter, title: 'identity.signUp.title' })
  async signUp(@Body() body: Record<string, string>) {
    const { name, email, password } = parseForm(signUpForm, body);
    // The same answer whether or not the address has an account here: "check your email" (see signUpPatient).
    const next = safeNext(body.next, '');
    await this.accounts.signUpPatient({ name, email, password, locale: this.context.locale(), next }, this.origin());
    return { purpose: 'sign-up' };
  }

  @Public()
  @Post('sign-out')
  async signOut(@Res() reply: FastifyReply): Promise<void> {
    const actor = this.context.actor();
    if (actor?.sessionId) await this.db.transaction((tx) => this.sessions.revoke(tx, actor.sessionId!));
    this.cookie.clear(reply);
    void reply.redirect('/', 303);
  }

  @Public()
  @Get('forgot-password')
  @Page('identity/forgot-password', { title: 'identity.forgot.title' })
  forgotPage() {
    return { action: '/forgot-password' };
  }

  @Public()
  @RateLimit('password-reset', { address: 'email' })
  @Post('forgot-password')
  @Page('identity/check-email', { title: 'identity.checkEmail.title' })
  @Form('identity/forgot-password', { title: 'identity.forgot.title' })
  async forgot(@Body() body: unknown) {
    await this.accounts.requestPasswordReset('patient', parseForm(emailForm, body).email, this.origin());
    return { purpose: 'reset' };
  }

  @Public()
  @Get('reset-password/:token')
  @Page('identity/reset-password', { title: 'identity.reset.title', headers: NO_REFERRER })
  resetPage(@Param('token') token: string) {
    return { action: `/reset-password/${encodeURIComponent(token)}` };
  }

  @Public()
  @Post('reset-password/:token')
  @Page('identity/reset-password', { title: 'identity.reset.title', headers: NO_REFERRER })
  @Form('identity/reset-password')
  async reset(@Param('token') token: string, @Body() body: unknown): Promise<Redirect> {
    const account = await this.accounts.resetPassword(token, parseForm(resetForm, body).password);
    return redirect(account.kind === 'staff' ? '/console/sign-in?ready=1' : '/sign-in?reset=1');
  }

  @Public()
  @RateLimit('sign-in-link', { address: 'email' })
  @Post('sign-in/link')
  @Page('identity/check-email', { title: 'identity.checkEmail.title' })
  @Form('identity/sign-in', { presenter: AuthFormPresenter, title: 'identity.signIn.title' })
  async requestLink(@Body() body: unknown) {
    await this.accounts.requestMagicLink('patient', parseForm(emailForm, body).email, this.origin());
    return { purpose: 'link' };
  }

  /** The emailed link shows a button rather than signing in on GET: mail scanners open links too. */
  @Public()
  @Get('sign-in/link/:token')
  @Page('identity/magic-link', { title: 'identity.magicLink.title', headers: NO_REFERRER })
  linkPage(@Param('token') token: string) {
    return { action: `/sign-in/link/${encodeURIComponent(token)}` };
  }

  @Public()
  @Post('sign-in/link/:token')
  @Page('identity/magic-link', { title: 'identity.magicLink.title', headers: NO_REFERRER })
  @Form('identity/magic-link')
  async useLink(@Param('token') token: string, @Res({ passthrough: true }) reply: FastifyReply): Promise<Redirect> {
    const session = await this.db.transaction(async (tx) => {
      const accountId = await this.accounts.consumeMagicLink(tx, token);
      if (!accountId) return null;
      const account = await tx.findOneBy(Account, { id: accountId });
      if (!account || account.disabledAt || account.kind === 'staff') return null;
      return this.sessions.create(tx, account.id, account.kind);
    });
    if (!session) throw new InvalidInput({ _form: msg('identity.magicLink.expired') });
    this.cookie.set(reply, session.token);
    return redirect('/account');
  }

  private origin(): string {
    return this.config.originFor(this.context.tenant<ResolvedTenant>().primaryHost);
  }
}
