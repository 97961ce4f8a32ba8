import { Body, Controller, Get, Post, Query, Req, Res, UseGuards } from '@nestjs/common';
import {
  AppConfig,
  Can,
  checkForm,
  Form,
  FormPresenter,
  InvalidInput,
  Layout,
  msg,
  OperatorOnly,
  Page,
  Public,
  RateLimit,
  redirect,
  Redirect,
  RefusedForm,
  RequestContext,
} from '@consilium/core';
import { AuditLog } from '@consilium/audit';
import { TenantDirectory } from '@consilium/tenancy';
import { Injectable } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { OperatorAccounts } from '../operators/operator-accounts.service';
import { SessionCookie } from '../session-cookie';
import { OperatorPasswordSignIn, refuseSignIn, SignInRequest } from '../strategies/password.strategy';
import { AuthFormPresenter } from './auth-form.presenter';
import { codeForm } from './console-auth.controller';
import { safeNext } from './redirects';

/** The operator's second-factor page: a new enrollment secret until the operator has one. */
@Injectable()
export class OperatorMfaPresenter implements FormPresenter {
  constructor(
    private readonly operators: OperatorAccounts,
    private readonly context: RequestContext,
  ) {}

  async refused({ values }: RefusedForm): Promise<Record<string, unknown>> {
    return { ...(await this.page()), next: safeNext(values.next, '') };
  }

  async page(): Promise<Record<string, unknown>> {
    const operatorId = this.context.actor()!.id;
    if (await this.operators.isEnrolled(operatorId)) return { title: msg('identity.mfa.challengeTitle'), action: '/operator/mfa' };
    return {
      title: msg('identity.mfa.enrollTitle'),
      enrollment: await this.operators.beginEnrollment(operatorId),
      action: '/operator/mfa',
    };
  }
}

/**
 * Platform operators on the operator host: password, mandatory second factor, then the operator console. The
 * access guard serves /operator on the operator host only; every sign-in step is audited.
 */
@Controller('operator')
@Layout('plain')
export class OperatorAuthController {
  constructor(
    private readonly operators: OperatorAccounts,
    private readonly cookie: SessionCookie,
    private readonly context: RequestContext,
    private readonly config: AppConfig,
    private readonly audit: AuditLog,
    private readonly tenants: TenantDirectory,
    private readonly mfaPresenter: OperatorMfaPresenter,
  ) {}

  @Public()
  @Get('sign-in')
  @Page('identity/operator-sign-in', { title: 'identity.operator.signInTitle' })
  signInPage(@Query('next') next?: string) {
    return { next: safeNext(next, '') };
  }

  @Public()
  @RateLimit('sign-in', { address: 'email' })
  @Post('sign-in')
  @UseGuards(OperatorPasswordSignIn)
  @Form('identity/operator-sign-in', { presenter: AuthFormPresenter, title: 'identity.operator.signInTitle' })
  async signIn(
    @Req() req: SignInRequest<{ id: string }>,
    @Body() body: Record<string, string>,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<Redirect> {
    if (!req.signIn!.user) await this.audit.recordOperator({ action: 'operator.sign_in', outcome: 'denied' });
    const user = refuseSignIn(req.signIn!);
    this.cookie.set(reply, await this.operators.createSession(user.id));
    return redirect(`/operator/mfa${body.next ? `?next=${encodeURIComponent(safeNext(body.next, '/operator'))}` : ''}`);
  }

  @Can('mfa.complete')
  @Get('mfa')
  @Page('identity/mfa')
  async mfaPage(@Query('next') next?: string) {
    return { ...(await this.mfaPresenter.page()), next: safeNext(next, '') };
  }

  @Can('mfa.complete')
  @RateLimit('second-factor')
  @Post('mfa')
  @Page('identity/recovery-codes', { title: 'identity.mfa.recoveryTitle', layout: 'plain' })
  @Form('identity/mfa', { presenter: OperatorMfaPresenter })
  async mfa(@Body() body: Record<string, string>, @Res({ passthrough: true }) reply: FastifyReply) {
    const actor = this.context.actor()!;
    const form = checkForm(codeForm, body);
    const enrolled = await this.operators.isEnrolled(actor.id);
    const result = form.ok ? await this.operators.passSecondFactor(actor.sessionId!, actor.id, form.data.code, !enrolled) : null;
    if (!result) {
      await this.audit.recordOperator({ action: 'operator.mfa', operatorId: actor.id, outcome: 'denied' });
      throw new InvalidInput(form.ok ? { code: msg('identity.mfa.mismatch') } : form.problems);
    }
    await this.audit.recordOperator({ action: 'operator.sign_in', operatorId: actor.id, outcome: 'allowed' });
    this.cookie.set(reply, result.token);
    if (!result.recoveryCodes) return redirect(safeNext(body.next, '/operator'));
    return { codes: result.recoveryCodes, next: '/operator' };
  }

  @Public()
  @Post('sign-out')
  async signOut(@Res() reply: FastifyReply): Promise<void> {
    const actor = this.context.actor();
    if (actor?.kind === 'operator' && actor.sessionId) await this.operators.revokeSession(actor.sessionId);
    this.cookie.clear(reply);
    void reply.redirect('/operator/sign-in', 303);
  }

  @Can('operator.console')
  @OperatorOnly()
  @Get()
  @Page('identity/operator-home', { title: 'identity.operator.home' })
  async home() {
    const tenants = (await this.tenants.list()).map((t) => ({
      ...t,
      // Not `url`: a field of that name is shadowed by the template's url helper (which printed [object Object]).
      siteUrl: t.primaryHost ? `${this.config.originFor(t.primaryHost)}/` : null,
    }));
    return { tenants };
  }
}
