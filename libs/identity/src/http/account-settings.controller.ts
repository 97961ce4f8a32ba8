import { Body, Controller, Get, Injectable, Param, ParseUUIDPipe, Post } from '@nestjs/common';
import {
  Can,
  field,
  Form,
  FormPresenter,
  Layout,
  Page,
  parseForm,
  redirect,
  Redirect,
  RequestContext,
  TenantDatabase,
} from '@consilium/core';
import { TenantSite } from '@consilium/tenancy';
import { z } from 'zod';
import { AccountsService } from '../accounts.service';
import { SessionService } from '../session.service';

const passwordForm = z.object({
  current_password: field.password('identity.settings.currentRequired'),
  new_password: field.password('identity.settings.newRequired'),
});

/** The settings page's model: who, whether the second step is on, and where the account is signed in. */
@Injectable()
export class AccountSettingsPage implements FormPresenter {
  constructor(
    private readonly accounts: AccountsService,
    private readonly sessions: SessionService,
    private readonly context: RequestContext,
  ) {}

  refused(): Promise<Record<string, unknown>> {
    return this.model();
  }

  async model(notice?: string): Promise<Record<string, unknown>> {
    const actor = this.context.actor()!;
    const account = await this.accounts.findById(actor.id);
    const sessions = await this.sessions.list(actor.id, actor.sessionId!);
    const base = this.context.path().startsWith('/console') ? '/console/settings' : '/account/settings';
    return { account, sessions, base, mfaEnabled: !!account?.totpEnabledAt, notice };
  }
}

/**
 * Every signed-in tenant account's own settings: change password, see sessions, end one or all of them. Patients use
 * it under /account/settings, staff under /console/settings (the console layout); one base, two mounts.
 */
@Injectable()
abstract class AccountSettings {
  protected abstract readonly base: string;

  constructor(
    protected readonly page: AccountSettingsPage,
    protected readonly accounts: AccountsService,
    protected readonly sessions: SessionService,
    protected readonly db: TenantDatabase,
    protected readonly context: RequestContext,
  ) {}

  protected async changePassword(body: unknown): Promise<Record<string, unknown>> {
    const actor = this.context.actor()!;
    const form = parseForm(passwordForm, body);
    await this.accounts.changePassword(actor.id, form.current_password, form.new_password, actor.sessionId!);
    return this.page.model('passwordChanged');
  }

  protected async endOthers(): Promise<Redirect> {
    const actor = this.context.actor()!;
    await this.db.transaction((tx) => this.sessions.revokeAll(tx, actor.id, actor.sessionId));
    return redirect(`${this.base}?ended=others`);
  }

  protected async endOne(id: string): Promise<Redirect> {
    const actor = this.context.actor()!;
    // Only one of the caller's own sessions: anyone else's id matches nothing.
    await this.db.transaction((tx) =>
      tx.query('UPDATE sessions SET revoked_at = now() WHERE id = $1 AND account_id = $2 AND revoked_at IS NULL', [id, actor.id]),
    );
    return redirect(id === actor.sessionId ? '/' : `${this.base}?ended=one`);
  }
}

const SETTINGS = { title: 'identity.settings.title' };

@Controller('account/settings')
@TenantSite()
@Layout('site')
export class SiteAccountSettingsController extends AccountSettings {
  protected readonly base = '/account/settings';

  @Can('account.self')
  @Get()
  @Page('identity/settings', SETTINGS)
  show() {
    return this.page.model();
  }

  @Can('account.self')
  @Post('password')
  @Page('identity/settings', SETTINGS)
  @Form('identity/settings', { presenter: AccountSettingsPage })
  password(@Body() body: unknown) {
    return this.changePassword(body);
  }

  @Can('account.self')
  @Post('sessions/end-others')
  others() {
    return this.endOthers();
  }

  @Can('account.self')
  @Post('sessions/:id/end')
  one(@Param('id', ParseUUIDPipe) id: string): Promise<Redirect> {
    return this.endOne(id);
  }
}

@Controller('console/settings')
@TenantSite()
@Layout('console')
export class ConsoleAccountSettingsController extends AccountSettings {
  protected readonly base = '/console/settings';

  @Can('console.access')
  @Get()
  @Page('identity/settings', SETTINGS)
  show() {
    return this.page.model();
  }

  @Can('console.access')
  @Post('password')
  @Page('identity/settings', SETTINGS)
  @Form('identity/settings', { presenter: AccountSettingsPage })
  password(@Body() body: unknown) {
    return this.changePassword(body);
  }

  @Can('console.access')
  @Post('sessions/end-others')
  others() {
    return this.endOthers();
  }

  @Can('console.access')
  @Post('sessions/:id/end')
  one(@Param('id', ParseUUIDPipe) id: string): Promise<Redirect> {
    return this.endOne(id);
  }
}
