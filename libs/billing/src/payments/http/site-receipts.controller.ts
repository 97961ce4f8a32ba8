import { Controller, Get, Header, Param, ParseUUIDPipe, Query } from '@nestjs/common';
import { Can, RequestContext, TenantDatabase, ViewRenderer } from '@consilium/core';
import { TenantSite } from '@consilium/tenancy';
import { RevenueReports } from '../revenue-reports.service';

/** The patient's receipt, branded as the hospital's site: hospital, amounts, dates, reference. Nothing clinical. */
@Controller('account/receipts')
@TenantSite()
export class SiteReceiptsController {
  constructor(
    private readonly reports: RevenueReports,
    private readonly db: TenantDatabase,
    private readonly context: RequestContext,
    private readonly views: ViewRenderer,
  ) {}

  @Can('portal.access')
  @Get(':paymentId')
  @Header('content-type', 'text/html; charset=utf-8')
  @Header('cache-control', 'no-store')
  async show(@Param('paymentId', ParseUUIDPipe) paymentId: string, @Query('checkout') checkout?: string): Promise<string> {
    const receipt = await this.db.transaction((tx) => this.reports.receipt(tx, paymentId, this.context.actor()!.id));
    return this.views.render('payments/receipt', {
      title: 'Receipt',
      receipt,
      justPaid: checkout === 'done',
      held: receipt.status === 'authorized',
      hasRefund: receipt.refundedMinor > 0,
      hasFunding: receipt.fundedMinor > 0,
    });
  }
}
