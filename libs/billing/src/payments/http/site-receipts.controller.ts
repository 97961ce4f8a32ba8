import { Controller, Get, Param, ParseUUIDPipe, Query } from '@nestjs/common';
import { Can, Page, RequestContext, TenantDatabase } from '@consilium/core';
import { lateRefundRules, ResolvedTenant, TenantSite } from '@consilium/tenancy';
import { RevenueReports } from '../revenue-reports.service';

/** The patient's receipt, branded as the hospital's site: hospital, amounts, dates, reference. Nothing clinical. */
@Controller('account/receipts')
@TenantSite()
export class SiteReceiptsController {
  constructor(
    private readonly reports: RevenueReports,
    private readonly db: TenantDatabase,
    private readonly context: RequestContext,
  ) {}

  @Can('portal.access')
  @Get(':paymentId')
  @Page('payments/receipt', { title: 'payments.receipt.title' })
  async show(@Param('paymentId', ParseUUIDPipe) paymentId: string, @Query('checkout') checkout?: string) {
    const receipt = await this.db.transaction((tx) => this.reports.receipt(tx, paymentId, this.context.actor()!.id));
    return {
      receipt,
      justPaid: checkout === 'done',
      held: receipt.status === 'authorized',
      hasRefund: receipt.refundedMinor > 0,
      hasFunding: receipt.fundedMinor > 0,
      refundRules: lateRefundRules(this.context.tenant<ResolvedTenant>().settings, receipt.offeringSlug),
    };
  }
}
