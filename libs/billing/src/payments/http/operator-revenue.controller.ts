import { Controller, Get, Param, ParseUUIDPipe, Post, Query } from '@nestjs/common';
import { AppConfig, Can, Layout, NotFound, OperatorOnly, Page, redirect, Redirect, RequestContext } from '@consilium/core';
import { PaymentAccounts } from '../payment-accounts.service';
import { RevenueReports } from '../revenue-reports.service';
import { ReconciliationSchedule } from '../reconciliation-schedule.service';

/** Operators: revenue across hospitals and each hospital's payment account (Connect onboarding). */
@Controller('operator/revenue')
@OperatorOnly()
@Layout('plain')
export class OperatorRevenueController {
  constructor(
    private readonly reports: RevenueReports,
    private readonly accounts: PaymentAccounts,
    private readonly context: RequestContext,
    private readonly config: AppConfig,
    private readonly schedule: ReconciliationSchedule,
  ) {}

  @Can('billing.operator')
  @Get()
  @Page('payments/operator-revenue', { title: 'payments.operator.title' })
  async overview(@Query('days') days?: string) {
    const window = Math.min(Math.max(Number(days) || 30, 1), 366);
    const since = new Date(Date.now() - window * 86400000);
    const [totals, accounts, runs] = await Promise.all([
      this.reports.acrossTenants(since),
      this.reports.accountsAcrossTenants(),
      this.schedule.recent(10),
    ]);
    const slugOf = new Map(accounts.map((a) => [a.tenantId, a.slug]));
    const latest = runs.find((r) => r.finishedAt);
    return {
      totals,
      accounts,
      days: window,
      runs: runs.map((r) => ({ ...r, count: r.differences.length })),
      differences: (latest?.differences ?? []).map((d) => ({
        ...d,
        hospital: (d.tenantId && slugOf.get(d.tenantId)) ?? d.tenantId ?? '–',
      })),
    };
  }

  @Can('tenants.manage')
  @Post(':tenantId/connect')
  async connect(@Param('tenantId', ParseUUIDPipe) tenantId: string): Promise<Redirect> {
    const listed = (await this.reports.accountsAcrossTenants()).find((a) => a.tenantId === tenantId);
    if (!listed) throw new NotFound();
    const back = `${this.config.originFor(this.context.host()!)}/operator/revenue`;
    const link = await this.accounts.startOnboarding(tenantId, { returnUrl: `${back}?connected=${listed.slug}`, refreshUrl: back });
    return redirect(link);
  }
}
