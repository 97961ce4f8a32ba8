import { Body, Controller, Get, Param, ParseUUIDPipe, Post, Res } from '@nestjs/common';
import {
  Can,
  field,
  Form,
  FormBody,
  Layout,
  Page,
  parseForm,
  redirect,
  Redirect,
  RequestContext,
  StaffOnly,
  TenantDatabase,
  toCsv,
} from '@consilium/core';
import { ResolvedTenant, TenantSite } from '@consilium/tenancy';
import type { FastifyReply } from 'fastify';
import { z } from 'zod';
import { PaymentsService } from '../payments.service';
import { RevenueReports } from '../revenue-reports.service';
import { RevenuePage } from './revenue-page';

/** A refund, in the hospital's currency as people type it ("125.50"); no amount means everything left to refund. */
function refundForm(currency: string) {
  return z.object({
    caseId: field.text({ max: 60, required: 'payments.refund.choosePayment' }).pipe(z.uuid('payments.refund.choosePayment')),
    amount: field.money(currency, { optional: true }),
    reason: field
      .text({ max: 500, required: 'payments.refund.reasonRequired' })
      .refine((v) => v.length >= 3, 'payments.refund.reasonRequired'),
  });
}

/** A hospital's revenue for its admins: payments, monthly totals, CSV export and refunds (funding: ConsoleFundingController). */
@Controller('console')
@TenantSite()
@StaffOnly()
@Layout('console')
export class ConsoleRevenueController {
  constructor(
    private readonly reports: RevenueReports,
    private readonly payments: PaymentsService,
    private readonly page: RevenuePage,
    private readonly db: TenantDatabase,
    private readonly context: RequestContext,
  ) {}

  @Can('billing.read')
  @Get('revenue')
  @Page('payments/revenue', { title: 'payments.revenue.title' })
  revenue() {
    return this.page.show();
  }

  @Can('billing.read')
  @Get('revenue/export.csv')
  async export(@Res() reply: FastifyReply): Promise<void> {
    const lines = await this.db.transaction((tx) => this.reports.lines(tx));
    const header = [
      'reference',
      'payment_id',
      'status',
      'currency',
      'amount_minor',
      'funded_minor',
      'captured_minor',
      'refunded_minor',
      'application_fee_minor',
      'created_at',
      'captured_at',
    ];
    const rows = lines.map((l) => [
      l.reference,
      l.paymentId,
      l.status,
      l.currency,
      l.amountMinor,
      l.fundedMinor,
      l.capturedMinor,
      l.refundedMinor,
      l.applicationFeeMinor,
      l.createdAt.toISOString(),
      l.capturedAt?.toISOString() ?? '',
    ]);
    void reply
      .header('content-type', 'text/csv; charset=utf-8')
      .header('content-disposition', `attachment; filename="revenue-${new Date().toISOString().slice(0, 10)}.csv"`)
      .header('cache-control', 'no-store')
      .send(toCsv([header, ...rows]));
  }

  /** One payment as the patient's receipt shows it, for staff answering a question about it. */
  @Can('billing.read')
  @Get('revenue/payments/:paymentId')
  @Page('payments/receipt', { title: 'payments.revenue.payment' })
  async payment(@Param('paymentId', ParseUUIDPipe) paymentId: string) {
    const receipt = await this.db.transaction((tx) => this.reports.receipt(tx, paymentId, null));
    return {
      receipt,
      staff: true,
      held: receipt.status === 'authorized',
      hasRefund: receipt.refundedMinor > 0,
      hasFunding: receipt.fundedMinor > 0,
    };
  }

  /** Problems with the form (too much, nothing left) are shown beside it by the page flow; anything else is an error page. */
  @Can('payments.refund')
  @Post('revenue/refunds')
  @Form('payments/revenue', { presenter: RevenuePage, title: 'payments.revenue.title' })
  async refund(@Body() body: FormBody): Promise<Redirect> {
    const form = parseForm(refundForm(this.context.tenant<ResolvedTenant>().currency), body);
    await this.payments.refund(form.caseId, form.amount, form.reason);
    return redirect('/console/revenue?refunded=1');
  }
}
