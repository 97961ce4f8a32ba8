import { Body, HttpCode, Controller, Get, Header, Post, Query, Req, Res, UseGuards } from '@nestjs/common';
import { AppConfig, Can, NotFound, Public, RateLimit, readForm, RequestContext, ViewRenderer } from '@consilium/core';
import { AuditLog } from '@consilium/audit';
import { TenantDirectory } from '@consilium/tenancy';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { OperatorAccounts } from '../operators/operator-accounts.service';
import { SessionCookie } from '../session-cookie';
import { OperatorPasswordSignIn, SignInOutcome } from '../strategies/password.strategy';
import { safeNext } from './redirects';

const codeForm = z.object({ code: z.string().trim().min(6, 'Enter the 6-digit code from your app, or a recovery code.').max(20) });

type Req = FastifyRequest & { signIn?: SignInOutcome<{ id: string }> };

/** Platform operators on the operator host: password, mandatory second factor, then the operator console. */
@Controller('operator')
export class OperatorAuthController {
  constructor(
    private readonly views: ViewRenderer,
    private readonly operators: OperatorAccounts,
    private readonly cookie: SessionCookie,
    private readonly context: RequestContext,
    private readonly config: AppConfig,
    private readonly audit: AuditLog,
    private readonly tenants: TenantDirectory,
  ) {}

  @Public()
  @Get('sign-in')
  @Header('content-type', 'text/html; charset=utf-8')
  signInPage(@Query('next') next?: string): string {
    this.operatorHostOnly();
    return this.views.render(
      'identity/operator-sign-in',
      { title: 'Operator sign in', next: safeNext(next, ''), values: {} },
      { layout: 'plain' },
    );
  }

  @Public()
  @RateLimit('sign-in', { address: 'email', page: { view: 'identity/operator-sign-in', layout: 'plain' } })
  @Post('sign-in')
  @HttpCode(200)
  @UseGuards(OperatorPasswordSignIn)
  async signIn(
    @Req() req: Req,
    @Body() body: Record<string, string>,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<string | void> {
    this.operatorHostOnly();
    const outcome = req.signIn!;
    if (!outcome.user) {
      await this.audit.recordOperator({ action: 'operator.sign_in', outcome: 'denied' });
      reply.status(400).header('content-type', 'text/html; charset=utf-8');
      return this.views.render(
        'identity/operator-sign-in',
        { title: 'Operator sign in', values: { email: body.email ?? '' }, next: safeNext(body.next, ''), formError: 'invalid' },
        { layout: 'plain' },
      );
    }
    this.cookie.set(reply, await this.operators.createSession(outcome.user.id));
    void reply.redirect(`/operator/mfa${body.next ? `?next=${encodeURIComponent(safeNext(body.next, '/operator'))}` : ''}`, 303);
  }

  @Can('mfa.complete')
  @Get('mfa')
  @Header('content-type', 'text/html; charset=utf-8')
  async mfaPage(@Query('next') next?: string): Promise<string> {
    this.operatorHostOnly();
    return this.renderMfa({ next: safeNext(next, '') });
  }

  @Can('mfa.complete')
  @RateLimit('second-factor', { page: { view: 'identity/mfa-challenge', layout: 'plain' } })
  @Post('mfa')
  @HttpCode(200)
  async mfa(@Body() body: Record<string, string>, @Res({ passthrough: true }) reply: FastifyReply): Promise<string | void> {
    this.operatorHostOnly();
    const actor = this.context.actor()!;
    const form = readForm(codeForm, body);
    const enrolled = await this.operators.isEnrolled(actor.id);
    const result = form.ok ? await this.operators.passSecondFactor(actor.sessionId!, actor.id, form.data.code, !enrolled) : null;
    if (!result) {
      await this.audit.recordOperator({ action: 'operator.mfa', operatorId: actor.id, outcome: 'denied' });
      reply.status(400).header('content-type', 'text/html; charset=utf-8');
      return this.renderMfa({
        next: safeNext(body.next, ''),
        errors: form.ok ? { code: 'That code did not match. Enter the code your app shows now.' } : form.errors,
      });
    }
    await this.audit.recordOperator({ action: 'operator.sign_in', operatorId: actor.id, outcome: 'allowed' });
    this.cookie.set(reply, result.token);
    if (result.recoveryCodes) {
      reply.header('content-type', 'text/html; charset=utf-8').header('cache-control', 'no-store');
      return this.views.render(
        'identity/recovery-codes',
        { title: 'Your recovery codes', codes: result.recoveryCodes, next: '/operator' },
        { layout: 'plain' },
      );
    }
    void reply.redirect(safeNext(body.next, '/operator'), 303);
  }

  @Public()
  @Post('sign-out')
  @HttpCode(200)
  async signOut(@Res() reply: FastifyReply): Promise<void> {
    const actor = this.context.actor();
    if (actor?.kind === 'operator' && actor.sessionId) await this.operators.revokeSession(actor.sessionId);
    this.cookie.clear(reply);
    void reply.redirect('/operator/sign-in', 303);
  }

  @Can('operator.console')
  @Get()
  @Header('content-type', 'text/html; charset=utf-8')
  async home(): Promise<string> {
    this.operatorHostOnly();
    const tenants = (await this.tenants.list()).map((t) => ({
      ...t,
      url: t.primaryHost ? `${this.config.originFor(t.primaryHost)}/` : null,
    }));
    return this.views.render('identity/operator-home', { title: 'Operator console', tenants }, { layout: 'plain' });
  }

  private async renderMfa(extra: Record<string, unknown>): Promise<string> {
    if (await this.operators.isEnrolled(this.context.actor()!.id))
      return this.views.render(
        'identity/mfa-challenge',
        { title: 'Two-step verification', action: '/operator/mfa', ...extra },
        { layout: 'plain' },
      );
    const enrollment = await this.operators.beginEnrollment(this.context.actor()!.id);
    return this.views.render(
      'identity/mfa-enroll',
      { title: 'Set up two-step verification', enrollment, action: '/operator/mfa', ...extra },
      { layout: 'plain' },
    );
  }

  /** Operator pages exist only on the operator host; anywhere else they are not found. */
  private operatorHostOnly(): void {
    if (this.context.host() !== this.config.operatorHost) throw new NotFound();
  }
}
