import { Controller, Get, Header } from '@nestjs/common';
import { Can, RequestContext, ViewRenderer } from '@consilium/core';
import { TenantSite } from '@consilium/tenancy';
import { AccountsService } from '../accounts.service';

/** The patient's home on the hospital's site. The portal issue adds their requests and opinions here. */
@Controller('account')
@TenantSite()
export class SiteAccountController {
  constructor(
    private readonly views: ViewRenderer,
    private readonly accounts: AccountsService,
    private readonly context: RequestContext,
  ) {}

  @Can('account.self')
  @Get()
  @Header('content-type', 'text/html; charset=utf-8')
  async home(): Promise<string> {
    const account = await this.accounts.findById(this.context.actor()!.id);
    return this.views.render('identity/account-home', { title: 'Your account', account });
  }
}
