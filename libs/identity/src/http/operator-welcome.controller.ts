import { Body, Controller, Get, Injectable, Param, Post, Res } from '@nestjs/common';
import { field, Form, FormPresenter, Layout, Page, parseForm, Public, redirect, Redirect, RefusedForm } from '@consilium/core';
import type { FastifyReply } from 'fastify';
import { z } from 'zod';
import { OperatorAccounts } from '../operators/operator-accounts.service';
import { OperatorSignInLinks } from '../operators/operator-sign-in-links';
import { SessionCookie } from '../session-cookie';

const passwordForm = z.object({ password: field.password('identity.operatorWelcome.passwordMissing') });
const WELCOME = { title: 'identity.operatorWelcome.title', headers: { 'referrer-policy': 'no-referrer' } };

/** The welcome page's model: whose link it is, or that it no longer works. */
@Injectable()
export class OperatorWelcomePage implements FormPresenter {
  constructor(private readonly links: OperatorSignInLinks) {}

  async model(token: string): Promise<Record<string, unknown>> {
    const operator = await this.links.peek(token);
    return { email: operator?.email, expired: !operator, action: `/operator/welcome/${encodeURIComponent(token)}` };
  }

  refused({ params }: RefusedForm): Promise<Record<string, unknown>> {
    return this.model(params.token ?? '');
  }
}

/**
 * Where the link printed by `cli operators create` (or `operators link`) leads, on the operator host: the operator
 * chooses a password, is signed in with that, and goes on to the second factor (enrolled now if it is their first
 * time). The link works once.
 */
@Controller('operator/welcome')
@Layout('plain')
export class OperatorWelcomeController {
  constructor(
    private readonly links: OperatorSignInLinks,
    private readonly operators: OperatorAccounts,
    private readonly cookie: SessionCookie,
    private readonly page: OperatorWelcomePage,
  ) {}

  @Public()
  @Get(':token')
  @Page('identity/operator-welcome', WELCOME)
  show(@Param('token') token: string): Promise<Record<string, unknown>> {
    return this.page.model(token);
  }

  @Public()
  @Post(':token')
  @Page('identity/operator-welcome', WELCOME)
  @Form('identity/operator-welcome', { presenter: OperatorWelcomePage })
  async choosePassword(
    @Param('token') token: string,
    @Body() body: unknown,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<Redirect | Record<string, unknown>> {
    const operatorId = await this.links.choosePassword(token, parseForm(passwordForm, body).password);
    // Used or expired between the page and the POST: the page says so, with the way to a new link.
    if (!operatorId) return { expired: true };
    this.cookie.set(reply, await this.operators.createSession(operatorId));
    return redirect('/operator/mfa');
  }
}
