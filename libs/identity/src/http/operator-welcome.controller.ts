import { Body, Controller, Get, Header, HttpCode, Param, Post, Res } from '@nestjs/common';
import { InvalidInput, Public, readForm, RequestContext, Translator, ViewRenderer } from '@consilium/core';
import type { FastifyReply } from 'fastify';
import { z } from 'zod';
import { OperatorAccounts } from '../operators/operator-accounts.service';
import { OperatorSignInLinks } from '../operators/operator-sign-in-links';
import { SessionCookie } from '../session-cookie';

const passwordForm = z.object({ password: z.string().min(1, 'identity.operatorWelcome.passwordMissing') });

/**
 * Where the link printed by `cli operators create` (or `operators link`) leads, on the operator host: the operator
 * chooses a password, is signed in with that, and goes on to the second factor (enrolled now if it is their first
 * time). The link works once.
 */
@Controller('operator/welcome')
export class OperatorWelcomeController {
  constructor(
    private readonly links: OperatorSignInLinks,
    private readonly operators: OperatorAccounts,
    private readonly cookie: SessionCookie,
    private readonly views: ViewRenderer,
    private readonly translator: Translator,
    private readonly context: RequestContext,
  ) {}

  @Public()
  @Get(':token')
  @Header('content-type', 'text/html; charset=utf-8')
  @Header('cache-control', 'no-store')
  @Header('referrer-policy', 'no-referrer')
  async page(@Param('token') token: string): Promise<string> {
    const operator = await this.links.peek(token);
    return this.render(token, { email: operator?.email, expired: !operator });
  }

  @Public()
  @Post(':token')
  @HttpCode(200)
  async choosePassword(
    @Param('token') token: string,
    @Body() body: unknown,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<string | void> {
    const form = readForm(passwordForm, body);
    let errors: Record<string, string> = form.ok ? {} : { password: this.text(form.errors.password) };
    let expired = false;
    if (form.ok) {
      try {
        const operatorId = await this.links.choosePassword(token, form.data.password);
        if (operatorId) {
          this.cookie.set(reply, await this.operators.createSession(operatorId));
          return void reply.redirect('/operator/mfa', 303);
        }
        expired = true;
      } catch (error) {
        if (!(error instanceof InvalidInput)) throw error;
        errors = error.fields ?? {};
      }
    }
    reply
      .status(400)
      .header('content-type', 'text/html; charset=utf-8')
      .header('cache-control', 'no-store')
      .header('referrer-policy', 'no-referrer');
    const operator = expired ? null : await this.links.peek(token);
    return this.render(token, { email: operator?.email, expired: !operator, errors });
  }

  private render(token: string, data: Record<string, unknown>): string {
    return this.views.render(
      'identity/operator-welcome',
      { title: this.text('identity.operatorWelcome.title'), action: `/operator/welcome/${encodeURIComponent(token)}`, ...data },
      { layout: 'plain' },
    );
  }

  private text(key: string): string {
    return this.translator.t(key, this.context.locale());
  }
}
