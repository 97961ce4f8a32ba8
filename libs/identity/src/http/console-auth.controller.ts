import { Body, HttpCode, Controller, Get, Header, Param, Post, Query, Req, Res, UseGuards } from '@nestjs/common';
import { AppConfig, Can, InvalidInput, Public, RateLimit, readForm, RequestContext, TenantDatabase, ViewRenderer } from '@consilium/core';
import { ResolvedTenant, TenantSite } from '@consilium/tenancy';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { Account } from '../account.entity';
import { AccountsService } from '../accounts.service';
import { MfaService } from '../mfa.service';
import { SessionCookie } from '../session-cookie';
import { SessionService } from '../session.service';
import { StaffService } from '../staff.service';
import { PasswordSignIn, SignInOutcome } from '../strategies/password.strategy';
import { safeNext } from './redirects';

const codeForm = z.object({ code: z.string().trim().min(6, 'Enter the 6-digit code from your app, or a recovery code.').max(20) });
const emailForm = z.object({ email: z.email('Enter an email address like name@example.com.').max(254) });
const passwordForm = z.object({ password: z.string().min(1, 'Choose a password.') });

type Req = FastifyRequest & { signIn?: SignInOutcome<Account> };

/** Hospital staff: password, then the mandatory second factor (enrolled at first sign-in), invitations, resets. */
@Controller('console')
@TenantSite()
export class ConsoleAuthController {
  constructor(
    private readonly views: ViewRenderer,
    private readonly accounts: AccountsService,
    private readonly sessions: SessionService,
    private readonly mfa: MfaService,
    private readonly staff: StaffService,
    private readonly cookie: SessionCookie,
    private readonly db: TenantDatabase,
    private readonly context: RequestContext,
    private readonly config: AppConfig,
  ) {}

  @Public()
  @Get('sign-in')
  @Header('content-type', 'text/html; charset=utf-8')
  signInPage(@Query('next') next?: string): string {
    return this.views.render(
      'identity/console-sign-in',
      { title: 'Staff sign in', next: safeNext(next, ''), values: {} },
      { layout: 'console' },
    );
  }

  @Public()
  @RateLimit('sign-in', { address: 'email', page: { view: 'identity/console-sign-in', layout: 'console' } })
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
      return this.views.render(
        'identity/console-sign-in',
        { title: 'Staff sign in', next: safeNext(body.next, ''), values: { email: body.email ?? '' }, formError: 'invalid' },
        { layout: 'console' },
      );
    }
    // The password alone opens nothing but the second-factor step.
    const { token } = await this.db.transaction((tx) => this.sessions.create(tx, outcome.user!.id, 'staff'));
    this.cookie.set(reply, token);
    void reply.redirect(`/console/mfa${body.next ? `?next=${encodeURIComponent(safeNext(body.next, '/console'))}` : ''}`, 303);
  }

  @Can('mfa.complete')
  @Get('mfa')
  @Header('content-type', 'text/html; charset=utf-8')
  async mfaPage(@Query('next') next?: string): Promise<string> {
    const actor = this.context.actor()!;
    const account = await this.accounts.findById(actor.id);
    if (account?.totpEnabledAt)
      return this.views.render(
        'identity/mfa-challenge',
        { title: 'Two-step verification', next: safeNext(next, '') },
        { layout: 'console' },
      );
    const enrollment = await this.mfa.beginEnrollment(actor.id, this.context.tenant<ResolvedTenant>().name);
    return this.views.render(
      'identity/mfa-enroll',
      { title: 'Set up two-step verification', enrollment, next: safeNext(next, '') },
      { layout: 'console' },
    );
  }

  @Can('mfa.complete')
  @RateLimit('second-factor', { page: { view: 'identity/mfa-challenge', layout: 'console' } })
  @Post('mfa')
  @HttpCode(200)
  async mfaSubmit(@Body() body: Record<string, string>, @Res({ passthrough: true }) reply: FastifyReply): Promise<string | void> {
    const actor = this.context.actor()!;
    const account = await this.accounts.findById(actor.id);
    const enrolling = !account?.totpEnabledAt;
    const form = readForm(codeForm, body);
    const result = form.ok
      ? await this.db.transaction(async (tx) => {
          try {
            const recoveryCodes = enrolling ? await this.mfa.confirmEnrollment(tx, actor.id, form.data.code) : undefined;
            if (!enrolling && !(await this.mfa.verify(tx, actor.id, form.data.code))) return null;
            return { token: await this.sessions.elevate(tx, actor.sessionId!), recoveryCodes };
          } catch (error) {
            if (error instanceof InvalidInput) return null;
            throw error;
          }
        })
      : null;
    if (!result) {
      reply.status(400).header('content-type', 'text/html; charset=utf-8');
      const errors = form.ok ? { code: 'That code did not match. Enter the code your app shows now.' } : form.errors;
      if (enrolling) {
        const enrollment = await this.mfa.beginEnrollment(actor.id, this.context.tenant<ResolvedTenant>().name);
        return this.views.render(
          'identity/mfa-enroll',
          { title: 'Set up two-step verification', enrollment, errors, next: safeNext(body.next, '') },
          { layout: 'console' },
        );
      }
      return this.views.render(
        'identity/mfa-challenge',
        { title: 'Two-step verification', errors, next: safeNext(body.next, '') },
        { layout: 'console' },
      );
    }
    this.cookie.set(reply, result.token);
    if (result.recoveryCodes) {
      reply.header('content-type', 'text/html; charset=utf-8').header('cache-control', 'no-store');
      return this.views.render(
        'identity/recovery-codes',
        { title: 'Your recovery codes', codes: result.recoveryCodes, next: safeNext(body.next, '/console') },
        { layout: 'console' },
      );
    }
    void reply.redirect(safeNext(body.next, '/console'), 303);
  }

  @Public()
  @Post('sign-out')
  @HttpCode(200)
  async signOut(@Res() reply: FastifyReply): Promise<void> {
    const actor = this.context.actor();
    if (actor?.sessionId) await this.db.transaction((tx) => this.sessions.revoke(tx, actor.sessionId!));
    this.cookie.clear(reply);
    void reply.redirect('/console/sign-in', 303);
  }

  @Can('console.access')
  @Get()
  @Header('content-type', 'text/html; charset=utf-8')
  home(): string {
    return this.views.render('identity/console-home', { title: 'Console', roles: this.context.actor()!.roles }, { layout: 'console' });
  }

  @Public()
  @Get('forgot-password')
  @Header('content-type', 'text/html; charset=utf-8')
  forgotPage(): string {
    return this.views.render(
      'identity/forgot-password',
      { title: 'Reset your password', values: {}, action: '/console/forgot-password' },
      { layout: 'console' },
    );
  }

  @Public()
  @RateLimit('password-reset', { address: 'email', page: { view: 'identity/forgot-password', layout: 'console' } })
  @Post('forgot-password')
  @HttpCode(200)
  async forgot(@Body() body: unknown, @Res({ passthrough: true }) reply: FastifyReply): Promise<string> {
    reply.header('content-type', 'text/html; charset=utf-8');
    const form = readForm(emailForm, body);
    if (!form.ok) {
      reply.status(400);
      return this.views.render(
        'identity/forgot-password',
        { title: 'Reset your password', values: form.values, errors: form.errors, action: '/console/forgot-password' },
        { layout: 'console' },
      );
    }
    await this.accounts.requestPasswordReset(
      'staff',
      form.data.email,
      this.config.originFor(this.context.tenant<ResolvedTenant>().primaryHost),
    );
    return this.views.render('identity/check-email', { title: 'Check your email', purpose: 'reset' }, { layout: 'console' });
  }

  @Public()
  @Get('reset-password/:token')
  @Header('content-type', 'text/html; charset=utf-8')
  @Header('referrer-policy', 'no-referrer')
  resetPage(@Param('token') token: string): string {
    return this.views.render(
      'identity/reset-password',
      { title: 'Choose a new password', action: `/console/reset-password/${encodeURIComponent(token)}` },
      { layout: 'console' },
    );
  }

  @Public()
  @Post('reset-password/:token')
  @HttpCode(200)
  async reset(
    @Param('token') token: string,
    @Body() body: unknown,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<string | void> {
    return this.passwordFromLink(
      token,
      body,
      reply,
      (password) => this.accounts.resetPassword(token, password),
      'identity/reset-password',
      'Choose a new password',
      `/console/reset-password/${encodeURIComponent(token)}`,
    );
  }

  @Public()
  @Get('invitation/:token')
  @Header('content-type', 'text/html; charset=utf-8')
  @Header('referrer-policy', 'no-referrer')
  async invitationPage(@Param('token') token: string): Promise<string> {
    const account = await this.staff.invitationAccount(token);
    return this.views.render(
      'identity/invitation',
      { title: 'Join the team', email: account?.email, expired: !account, action: `/console/invitation/${encodeURIComponent(token)}` },
      { layout: 'console' },
    );
  }

  @Public()
  @Post('invitation/:token')
  @HttpCode(200)
  async acceptInvitation(
    @Param('token') token: string,
    @Body() body: unknown,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<string | void> {
    const account = await this.staff.invitationAccount(token);
    return this.passwordFromLink(
      token,
      body,
      reply,
      (password) => this.staff.acceptInvitation(token, password),
      'identity/invitation',
      'Join the team',
      `/console/invitation/${encodeURIComponent(token)}`,
      { email: account?.email, expired: !account },
    );
  }

  private async passwordFromLink(
    _token: string,
    body: unknown,
    reply: FastifyReply,
    apply: (password: string) => Promise<unknown>,
    view: string,
    title: string,
    action: string,
    extra: Record<string, unknown> = {},
  ): Promise<string | void> {
    const form = readForm(passwordForm, body);
    let errors = form.ok ? {} : form.errors;
    if (form.ok) {
      try {
        await apply(form.data.password);
        return void reply.redirect('/console/sign-in?ready=1', 303);
      } catch (error) {
        if (!(error instanceof InvalidInput)) throw error;
        errors = error.fields ?? {};
      }
    }
    reply.status(400).header('content-type', 'text/html; charset=utf-8').header('referrer-policy', 'no-referrer');
    return this.views.render(view, { title, errors, action, ...extra }, { layout: 'console' });
  }
}
