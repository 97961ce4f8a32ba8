import { Body, Controller, Get, Injectable, Param, Post, Query, Req, Res, UseGuards } from '@nestjs/common';
import {
  AppConfig,
  Can,
  field,
  Form,
  FormPresenter,
  InvalidInput,
  Layout,
  msg,
  Page,
  parseForm,
  Public,
  RateLimit,
  redirect,
  Redirect,
  RefusedForm,
  RequestContext,
  ConsoleHomeSections,
  TenantDatabase,
} from '@consilium/core';
import { ResolvedTenant, TenantSite } from '@consilium/tenancy';
import type { FastifyReply } from 'fastify';
import { z } from 'zod';
import { Account } from '../account.entity';
import { AccountsService } from '../accounts.service';
import { MfaService } from '../mfa.service';
import { SessionCookie } from '../session-cookie';
import { SessionService } from '../session.service';
import { StaffService } from '../staff.service';
import { PasswordSignIn, refuseSignIn, SignInRequest } from '../strategies/password.strategy';
import { SsoConnections } from '../sso/sso-connections.service';
import { ConsoleSignInPage } from './console-sso.controller';
import { safeNext } from './redirects';

export const codeForm = z.object({
  code: field.text({ max: 20, required: 'identity.mfa.codeRequired' }).pipe(z.string().min(6, 'identity.mfa.codeRequired')),
});
const emailForm = z.object({ email: field.email() });
const passwordForm = z.object({ password: field.password('identity.signUp.passwordRequired') });
const NO_REFERRER = { 'referrer-policy': 'no-referrer' };

/** The second-factor page again after a refused code: a new enrollment secret if the person has none yet. */
@Injectable()
export class ConsoleMfaPresenter implements FormPresenter {
  constructor(
    private readonly accounts: AccountsService,
    private readonly mfa: MfaService,
    private readonly context: RequestContext,
  ) {}

  async refused({ values }: RefusedForm): Promise<Record<string, unknown>> {
    return { ...(await this.page(this.context.actor()!.id)), next: safeNext(values.next, '') };
  }

  async page(accountId: string): Promise<Record<string, unknown>> {
    const account = await this.accounts.findById(accountId);
    if (account?.totpEnabledAt) return { title: msg('identity.mfa.challengeTitle'), action: '/console/mfa' };
    const enrollment = await this.mfa.beginEnrollment(accountId, this.context.tenant<ResolvedTenant>().name);
    return { title: msg('identity.mfa.enrollTitle'), enrollment, action: '/console/mfa' };
  }
}

/** An invitation's page again: whose it is, or that it has expired. */
@Injectable()
export class InvitationPresenter implements FormPresenter {
  constructor(private readonly staff: StaffService) {}

  async refused({ params }: RefusedForm): Promise<Record<string, unknown>> {
    return this.page(params.token);
  }

  async page(token: string): Promise<Record<string, unknown>> {
    const account = await this.staff.invitationAccount(token);
    return { email: account?.email, expired: !account, action: `/console/invitation/${encodeURIComponent(token)}` };
  }
}

/** Hospital staff: password, then the mandatory second factor (enrolled at first sign-in), invitations, resets. */
@Controller('console')
@TenantSite()
@Layout('console')
export class ConsoleAuthController {
  constructor(
    private readonly accounts: AccountsService,
    private readonly sessions: SessionService,
    private readonly mfa: MfaService,
    private readonly staff: StaffService,
    private readonly cookie: SessionCookie,
    private readonly db: TenantDatabase,
    private readonly context: RequestContext,
    private readonly config: AppConfig,
    private readonly mfaPresenter: ConsoleMfaPresenter,
    private readonly invitations: InvitationPresenter,
    private readonly signInModel: ConsoleSignInPage,
    private readonly sso: SsoConnections,
    private readonly homeSections: ConsoleHomeSections,
  ) {}

  @Public()
  @Get('sign-in')
  @Page('identity/console-sign-in', { title: 'identity.console.signInTitle' })
  signInPage(@Query('next') next?: string) {
    return this.signInModel.page(next);
  }

  @Public()
  @RateLimit('sign-in', { address: 'email' })
  @Post('sign-in')
  @UseGuards(PasswordSignIn)
  @Form('identity/console-sign-in', { presenter: ConsoleSignInPage, title: 'identity.console.signInTitle' })
  async signIn(
    @Req() req: SignInRequest<Account>,
    @Body() body: Record<string, string>,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<Redirect> {
    // "Require single sign-on": only the break-glass admin still signs in with a password (and our second factor).
    // Decided by the address typed, before the password's outcome, so the answer says nothing about the password.
    if (!(await this.sso.passwordAllowed(String(body.email ?? '')))) throw new InvalidInput({ _form: msg('identity.sso.passwordRefused') });
    const user = refuseSignIn(req.signIn!);
    // The password alone opens nothing but the second-factor step.
    const { token } = await this.db.transaction((tx) => this.sessions.create(tx, user.id, 'staff'));
    this.cookie.set(reply, token);
    return redirect(`/console/mfa${body.next ? `?next=${encodeURIComponent(safeNext(body.next, '/console'))}` : ''}`);
  }

  @Can('mfa.complete')
  @Get('mfa')
  @Page('identity/mfa')
  async mfaPage(@Query('next') next?: string) {
    return { ...(await this.mfaPresenter.page(this.context.actor()!.id)), next: safeNext(next, '') };
  }

  /** A first code completes enrollment and shows the recovery codes once; later ones just pass the second step. */
  @Can('mfa.complete')
  @RateLimit('second-factor')
  @Post('mfa')
  @Page('identity/recovery-codes', { title: 'identity.mfa.recoveryTitle' })
  @Form('identity/mfa', { presenter: ConsoleMfaPresenter })
  async mfaSubmit(@Body() body: Record<string, string>, @Res({ passthrough: true }) reply: FastifyReply) {
    const actor = this.context.actor()!;
    const { code } = parseForm(codeForm, body);
    const enrolling = !(await this.accounts.findById(actor.id))?.totpEnabledAt;
    const result = await this.db.transaction(async (tx) => {
      const recoveryCodes = enrolling ? await this.mfa.confirmEnrollment(tx, actor.id, code) : undefined;
      if (!enrolling && !(await this.mfa.verify(tx, actor.id, code))) throw new InvalidInput({ code: msg('identity.mfa.mismatch') });
      return { token: await this.sessions.elevate(tx, actor.sessionId!), recoveryCodes };
    });
    this.cookie.set(reply, result.token);
    if (!result.recoveryCodes) return redirect(safeNext(body.next, '/console'));
    return { codes: result.recoveryCodes, next: safeNext(body.next, '/console') };
  }

  @Public()
  @Post('sign-out')
  async signOut(@Res() reply: FastifyReply): Promise<void> {
    const actor = this.context.actor();
    if (actor?.sessionId) await this.db.transaction((tx) => this.sessions.revoke(tx, actor.sessionId!));
    this.cookie.clear(reply);
    void reply.redirect('/console/sign-in', 303);
  }

  @Can('console.access')
  @Get()
  @Page('identity/console-home', { title: 'identity.console.home' })
  async home() {
    const actor = this.context.actor()!;
    return { roles: actor.roles, sections: await this.homeSections.for(actor) };
  }

  @Public()
  @Get('forgot-password')
  @Page('identity/forgot-password', { title: 'identity.forgot.title' })
  forgotPage() {
    return { action: '/console/forgot-password' };
  }

  @Public()
  @RateLimit('password-reset', { address: 'email' })
  @Post('forgot-password')
  @Page('identity/check-email', { title: 'identity.checkEmail.title' })
  @Form('identity/forgot-password', { title: 'identity.forgot.title' })
  async forgot(@Body() body: unknown) {
    const { email } = parseForm(emailForm, body);
    await this.accounts.requestPasswordReset('staff', email, this.config.originFor(this.context.tenant<ResolvedTenant>().primaryHost));
    return { purpose: 'reset' };
  }

  @Public()
  @Get('reset-password/:token')
  @Page('identity/reset-password', { title: 'identity.reset.title', headers: NO_REFERRER })
  resetPage(@Param('token') token: string) {
    return { action: `/console/reset-password/${encodeURIComponent(token)}` };
  }

  @Public()
  @Post('reset-password/:token')
  @Page('identity/reset-password', { title: 'identity.reset.title', headers: NO_REFERRER })
  @Form('identity/reset-password')
  async reset(@Param('token') token: string, @Body() body: unknown): Promise<Redirect> {
    await this.accounts.resetPassword(token, parseForm(passwordForm, body).password);
    return redirect('/console/sign-in?ready=1');
  }

  @Public()
  @Get('invitation/:token')
  @Page('identity/invitation', { title: 'identity.invitation.title', headers: NO_REFERRER })
  invitationPage(@Param('token') token: string) {
    return this.invitations.page(token);
  }

  @Public()
  @Post('invitation/:token')
  @Page('identity/invitation', { title: 'identity.invitation.title', headers: NO_REFERRER })
  @Form('identity/invitation', { presenter: InvitationPresenter })
  async acceptInvitation(@Param('token') token: string, @Body() body: unknown): Promise<Redirect> {
    await this.staff.acceptInvitation(token, parseForm(passwordForm, body).password);
    return redirect('/console/sign-in?ready=1');
  }
}
