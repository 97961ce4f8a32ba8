import { Body, Controller, Get, Injectable, Param, ParseUUIDPipe, Post } from '@nestjs/common';
import {
  Can,
  field,
  Form,
  FormPresenter,
  Layout,
  NotFound,
  Page,
  parseForm,
  redirect,
  Redirect,
  RequestContext,
  StaffOnly,
  TenantDatabase,
  todayIn,
} from '@consilium/core';
import { ResolvedTenant, TenantSite } from '@consilium/tenancy';
import { z } from 'zod';
import { PhysicianAccounts } from '../physician-accounts.service';
import { StipendRates } from '../stipend-rates.service';

/** The physicians page: each roster physician's staff account and stipend rate. */
@Injectable()
export class PhysiciansPage implements FormPresenter {
  constructor(
    private readonly accounts: PhysicianAccounts,
    private readonly context: RequestContext,
  ) {}

  refused(): Promise<Record<string, unknown>> {
    return this.model();
  }

  async model(): Promise<Record<string, unknown>> {
    const today = todayIn(this.context.tenant<ResolvedTenant>().timeZone);
    return { ...(await this.accounts.adminView(today)), today };
  }
}

const accountForm = z.object({ account_id: z.union([z.literal(''), z.uuid('roster.admin.chooseAccount')]).default('') });
const stipendForm = (currency: string) => z.object({ amount: field.money(currency), effective_from: field.date({ optional: true }) });

/** Admins: which staff account each roster physician signs in with, and their stipend rate from a given day. */
@Controller('console/physicians')
@TenantSite()
@StaffOnly()
@Layout('console')
export class ConsolePhysiciansController {
  constructor(
    private readonly accounts: PhysicianAccounts,
    private readonly rates: StipendRates,
    private readonly db: TenantDatabase,
    private readonly context: RequestContext,
    private readonly page: PhysiciansPage,
  ) {}

  @Can('roster.edit')
  @Get()
  @Page('roster/console-physicians', { title: 'roster.admin.title' })
  list() {
    return this.page.model();
  }

  @Can('roster.edit')
  @Post(':id/account')
  @Form('roster/console-physicians', { presenter: PhysiciansPage, title: 'roster.admin.title' })
  async link(@Param('id', ParseUUIDPipe) id: string, @Body() body: unknown): Promise<Redirect> {
    const { account_id } = parseForm(accountForm, body);
    await this.accounts.link(id, account_id || null);
    return redirect('/console/physicians');
  }

  @Can('roster.edit')
  @Post(':id/stipend')
  @Form('roster/console-physicians', { presenter: PhysiciansPage, title: 'roster.admin.title' })
  async stipend(@Param('id', ParseUUIDPipe) id: string, @Body() body: unknown): Promise<Redirect> {
    const tenant = this.context.tenant<ResolvedTenant>();
    const { amount, effective_from } = parseForm(stipendForm(tenant.currency), body);
    await this.db.transaction(async (tx) => {
      const [p] = await tx.query<unknown[]>('SELECT id FROM physicians WHERE id = $1 AND active', [id]);
      if (!p) throw new NotFound();
      await this.rates.record(tx, tenant.id, id, amount, tenant.currency, effective_from ?? todayIn(tenant.timeZone));
    });
    return redirect('/console/physicians');
  }
}
