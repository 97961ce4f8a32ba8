import { Body, Controller, Get, Header, HttpCode, Param, ParseUUIDPipe, Post, Res } from '@nestjs/common';
import { Can, first, InvalidInput, NotFound, RequestContext, TenantDatabase, todayIn, ViewRenderer } from '@consilium/core';
import { ResolvedTenant, TenantSite } from '@consilium/tenancy';
import type { FastifyReply } from 'fastify';
import { PhysicianAccounts } from '../physician-accounts.service';
import { StipendRates } from '../stipend-rates.service';

/** Admins: which staff account each roster physician signs in with, and their stipend rate from a given day. */
@Controller('console/physicians')
@TenantSite()
export class ConsolePhysiciansController {
  constructor(
    private readonly accounts: PhysicianAccounts,
    private readonly rates: StipendRates,
    private readonly db: TenantDatabase,
    private readonly views: ViewRenderer,
    private readonly context: RequestContext,
  ) {}

  @Can('roster.edit')
  @Get()
  @Header('content-type', 'text/html; charset=utf-8')
  page(): Promise<string> {
    return this.render({});
  }

  @Can('roster.edit')
  @Post(':id/account')
  @HttpCode(200)
  async link(
    @Param('id', ParseUUIDPipe) id: string,
    @Body() body: Record<string, string>,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<string | void> {
    try {
      const accountId = body.account_id || null;
      if (accountId && !/^[0-9a-f-]{36}$/i.test(accountId)) throw new InvalidInput({ account_id: 'Choose a staff member from the list.' });
      await this.accounts.link(id, accountId);
    } catch (error) {
      if (!(error instanceof InvalidInput)) throw error;
      reply.status(400).header('content-type', 'text/html; charset=utf-8');
      return this.render({ errors: error.fields });
    }
    void reply.redirect('/console/physicians', 303);
  }

  @Can('roster.edit')
  @Post(':id/stipend')
  @HttpCode(200)
  async stipend(
    @Param('id', ParseUUIDPipe) id: string,
    @Body() body: Record<string, string>,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<string | void> {
    try {
      const amount = (body.amount ?? '').trim();
      if (!/^\d{1,6}(\.\d{1,2})?$/.test(amount)) throw new InvalidInput({ amount: 'Enter an amount such as 200 or 150.50.' });
      const from = body.effective_from || this.today();
      if (!/^\d{4}-\d{2}-\d{2}$/.test(from)) throw new InvalidInput({ effective_from: 'Choose a date.' });
      const tenant = this.context.tenant<ResolvedTenant>();
      await this.db.transaction(async (tx) => {
        if (!(await first(tx, 'SELECT id FROM physicians WHERE id = $1 AND active', [id]))) throw new NotFound();
        await this.rates.record(tx, tenant.id, id, Math.round(Number(amount) * 100), tenant.currency, from);
      });
    } catch (error) {
      if (!(error instanceof InvalidInput)) throw error;
      reply.status(400).header('content-type', 'text/html; charset=utf-8');
      return this.render({ errors: error.fields });
    }
    void reply.redirect('/console/physicians', 303);
  }

  private today(): string {
    return todayIn(this.context.tenant<ResolvedTenant>().timeZone);
  }

  private async render(extra: Record<string, unknown>): Promise<string> {
    const view = await this.accounts.adminView(this.today());
    return this.views.render(
      'roster/console-physicians',
      { title: 'Physicians', ...view, today: this.today(), ...extra },
      { layout: 'console' },
    );
  }
}
