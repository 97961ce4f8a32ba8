import { Body, Controller, Get, Param, ParseUUIDPipe, Post, Query, Res } from '@nestjs/common';
import { Audited } from '@consilium/audit';
import { Can, FormBody, Layout, Page, redirect, Redirect, RequestContext, StaffOnly, todayIn, toCsv } from '@consilium/core';
import { ResolvedTenant, TenantSite } from '@consilium/tenancy';
import type { FastifyReply } from 'fastify';
import { checkMonth, StipendLedger } from '../stipend-ledger.service';

/** Admins: the monthly stipend payout report per physician, its CSV, and marking a physician's month paid. */
@Controller('console/stipends')
@TenantSite()
@StaffOnly()
@Layout('console')
export class ConsoleStipendsController {
  constructor(
    private readonly ledger: StipendLedger,
    private readonly context: RequestContext,
  ) {}

  @Can('stipends.manage')
  @Get()
  @Page('stipends/stipends', { title: 'stipends.title' })
  async report(@Query('month') month?: string) {
    const chosen = month ? checkMonth(month) : this.thisMonth();
    const { rows, entries } = await this.ledger.payouts(chosen);
    return { month: chosen, rows, entries };
  }

  @Can('stipends.manage')
  @Get('export.csv')
  async export(@Query('month') month: string | undefined, @Res() reply: FastifyReply): Promise<void> {
    const chosen = month ? checkMonth(month) : this.thisMonth();
    const { entries } = await this.ledger.payouts(chosen);
    const header = ['month', 'physician', 'case', 'accrued_on', 'currency', 'amount_minor', 'paid_at'];
    const lines = entries.map((e) => [chosen, e.name, e.caseNumber, e.accruedOn, e.currency, e.amountMinor, e.paidAt?.toISOString() ?? '']);
    void reply
      .header('content-type', 'text/csv; charset=utf-8')
      .header('content-disposition', `attachment; filename="stipends-${chosen}.csv"`)
      .header('cache-control', 'no-store')
      .send(toCsv([header, ...lines]));
  }

  @Can('stipends.manage')
  @Audited({ action: 'stipend.mark_paid', entityType: 'physician', param: 'physicianId' })
  @Post(':physicianId/paid')
  async markPaid(@Param('physicianId', ParseUUIDPipe) physicianId: string, @Body() body: FormBody): Promise<Redirect> {
    const month = checkMonth(typeof body.month === 'string' ? body.month : undefined);
    await this.ledger.markPaid(physicianId, month);
    return redirect(`/console/stipends?month=${month}`);
  }

  private thisMonth(): string {
    const tenant = this.context.tenant<ResolvedTenant>();
    return todayIn(tenant.timeZone).slice(0, 7);
  }
}
