import { Body, Controller, HttpCode, Injectable, Get, Header, Param, ParseUUIDPipe, Post, Res } from '@nestjs/common';
import { Can, InvalidInput, readForm, RequestContext, TenantDatabase, ViewRenderer } from '@consilium/core';
import { TenantSite } from '@consilium/tenancy';
import type { FastifyReply } from 'fastify';
import { z } from 'zod';
import { AccountsService } from '../accounts.service';
import { SessionService } from '../session.service';

const passwordForm = z.object({
  current_password: z.string().min(1, 'Enter your current password.'),
  new_password: z.string().min(1, 'Choose a new password.'),
});

/**
 * Every signed-in tenant account's own settings: change password, see sessions, end one or all of them. Patients use
 * it under /account/settings, staff under /console/settings (the console layout); one controller, two mounts.
 */
@Injectable()
abstract class AccountSettings {
  protected abstract readonly base: string;
  protected abstract readonly layout: string;

  constructor(
    protected readonly views: ViewRenderer,
    protected readonly accounts: AccountsService,
    protected readonly sessions: SessionService,
    protected readonly db: TenantDatabase,
    protected readonly context: RequestContext,
  ) {}

  protected async page(extra: Record<string, unknown> = {}): Promise<string> {
    const actor = this.context.actor()!;
    const account = await this.accounts.findById(actor.id);
    const sessions = await this.sessions.list(actor.id, actor.sessionId!);
    return this.views.render(
      'identity/settings',
      { title: 'Account settings', account, sessions, base: this.base, mfaEnabled: !!account?.totpEnabledAt, ...extra },
      { layout: this.layout },
    );
  }

  protected async changePassword(body: unknown, reply: FastifyReply): Promise<string> {
    reply.header('content-type', 'text/html; charset=utf-8');
    const actor = this.context.actor()!;
    const form = readForm(passwordForm, body);
    let errors = form.ok ? {} : form.errors;
    if (form.ok) {
      try {
        await this.accounts.changePassword(actor.id, form.data.current_password, form.data.new_password, actor.sessionId!);
        return this.page({ notice: 'passwordChanged' });
      } catch (error) {
        if (!(error instanceof InvalidInput)) throw error;
        errors = error.fields ?? {};
      }
    }
    reply.status(400);
    return this.page({ errors });
  }

  protected async endOthers(reply: FastifyReply): Promise<void> {
    const actor = this.context.actor()!;
    await this.db.transaction((tx) => this.sessions.revokeAll(tx, actor.id, actor.sessionId));
    void reply.redirect(`${this.base}?ended=others`, 303);
  }

  protected async endOne(id: string, reply: FastifyReply): Promise<void> {
    const actor = this.context.actor()!;
    // Only one of the caller's own sessions: anyone else's id matches nothing.
    await this.db.transaction((tx) =>
      tx.query('UPDATE sessions SET revoked_at = now() WHERE id = $1 AND account_id = $2 AND revoked_at IS NULL', [id, actor.id]),
    );
    void reply.redirect(id === actor.sessionId ? '/' : `${this.base}?ended=one`, 303);
  }
}

@Controller('account/settings')
@TenantSite()
export class SiteAccountSettingsController extends AccountSettings {
  protected readonly base = '/account/settings';
  protected readonly layout = 'site';

  @Can('account.self')
  @Get()
  @Header('content-type', 'text/html; charset=utf-8')
  show(): Promise<string> {
    return this.page();
  }

  @Can('account.self')
  @Post('password')
  @HttpCode(200)
  password(@Body() body: unknown, @Res({ passthrough: true }) reply: FastifyReply): Promise<string> {
    return this.changePassword(body, reply);
  }

  @Can('account.self')
  @Post('sessions/end-others')
  @HttpCode(200)
  others(@Res() reply: FastifyReply): Promise<void> {
    return this.endOthers(reply);
  }

  @Can('account.self')
  @Post('sessions/:id/end')
  @HttpCode(200)
  one(@Param('id', ParseUUIDPipe) id: string, @Res() reply: FastifyReply): Promise<void> {
    return this.endOne(id, reply);
  }
}

@Controller('console/settings')
@TenantSite()
export class ConsoleAccountSettingsController extends AccountSettings {
  protected readonly base = '/console/settings';
  protected readonly layout = 'console';

  @Can('console.access')
  @Get()
  @Header('content-type', 'text/html; charset=utf-8')
  show(): Promise<string> {
    return this.page();
  }

  @Can('console.access')
  @Post('password')
  @HttpCode(200)
  password(@Body() body: unknown, @Res({ passthrough: true }) reply: FastifyReply): Promise<string> {
    return this.changePassword(body, reply);
  }

  @Can('console.access')
  @Post('sessions/end-others')
  @HttpCode(200)
  others(@Res() reply: FastifyReply): Promise<void> {
    return this.endOthers(reply);
  }

  @Can('console.access')
  @Post('sessions/:id/end')
  @HttpCode(200)
  one(@Param('id', ParseUUIDPipe) id: string, @Res() reply: FastifyReply): Promise<void> {
    return this.endOne(id, reply);
  }
}
