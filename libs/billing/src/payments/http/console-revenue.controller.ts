import { Body, Controller, Get, Header, HttpCode, Param, ParseUUIDPipe, Post, Res } from '@nestjs/common';
import { Can, DomainError, fieldTexts, readForm, TenantDatabase, ViewRenderer } from '@consilium/core';
import { TenantSite } from '@consilium/tenancy';
import type { FastifyReply } from 'fastify';
import { z } from 'zod';
import { PaymentsService } from '../payments.service';
import { RevenueReports } from '../revenue-reports.service';

const refundForm = z.object({
  caseId: z.uuid('Choose a payment from the list.'),
  // In major units as people type them ("125.50"); empty means everything left to refund.
  amount: z
    .string()
    .trim()
    .regex(/^(\d{1,7}(\.\d{1,2})?)?$/, 'Enter an amount such as 125.50, or leave it empty to refund everything left.')
    .optional(),
  reason: z.string().trim().min(3, 'Say why, in a few words (kept in the hospital’s records only).').max(500),
});

/** A hospital's revenue for its admins: payments, monthly totals, CSV export and refunds (funding: ConsoleFundingController). */
@Controller('console')
@TenantSite()
export class ConsoleRevenueController {
  constructor(
    private readonly reports: RevenueReports,
    private readonly payments: PaymentsService,
    private readonly db: TenantDatabase,
    private readonly views: ViewRenderer,
  ) {}

  @Can('billing.read')
  @Get('revenue')
  @Header('content-type', 'text/html; charset=utf-8')
  async revenue(): Promise<string> {
    return this.render({});
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
    const csv = [header, ...rows].map((r) => r.map(csvField).join(',')).join('\r\n');
    void reply
      .header('content-type', 'text/csv; charset=utf-8')
      .header('content-disposition', `attachment; filename="revenue-${new Date().toISOString().slice(0, 10)}.csv"`)
      .header('cache-control', 'no-store')
      .send(`${csv}\r\n`);
  }

  /** One payment as the patient's receipt shows it, for staff answering a question about it. */
  @Can('billing.read')
  @Get('revenue/payments/:paymentId')
  @Header('content-type', 'text/html; charset=utf-8')
  async payment(@Param('paymentId', ParseUUIDPipe) paymentId: string): Promise<string> {
    const receipt = await this.db.transaction((tx) => this.reports.receipt(tx, paymentId, null));
    return this.views.render(
      'payments/receipt',
      {
        title: 'Payment',
        receipt,
        staff: true,
        held: receipt.status === 'authorized',
        hasRefund: receipt.refundedMinor > 0,
        hasFunding: receipt.fundedMinor > 0,
      },
      { layout: 'console' },
    );
  }

  @Can('payments.refund')
  @Post('revenue/refunds')
  @HttpCode(200)
  async refund(@Body() body: unknown, @Res({ passthrough: true }) reply: FastifyReply): Promise<string | void> {
    const form = readForm(refundForm, body);
    let errors = form.ok ? {} : form.errors;
    if (form.ok) {
      try {
        const amount = form.data.amount ? Math.round(Number(form.data.amount) * 100) : undefined;
        await this.payments.refund(form.data.caseId, amount, form.data.reason);
        return void reply.redirect('/console/revenue?refunded=1', 303);
      } catch (error) {
        // Problems with the form (too much, nothing left) are shown beside it; anything else is an error page.
        if (!(error instanceof DomainError) || !error.fields) throw error;
        errors = fieldTexts(error);
      }
    }
    reply.status(400).header('content-type', 'text/html; charset=utf-8');
    return this.render({ values: form.ok ? form.data : form.values, errors });
  }

  private async render(data: Record<string, unknown>): Promise<string> {
    const { lines, months } = await this.db.transaction(async (tx) => ({
      lines: await this.reports.lines(tx, { limit: 200 }),
      months: await this.reports.monthly(tx),
    }));
    const refundable = (l: { status: string }) => ['captured', 'partially_refunded', 'disputed'].includes(l.status);
    return this.views.render(
      'payments/revenue',
      { title: 'Revenue', lines: lines.map((l) => ({ ...l, refundable: refundable(l) })), months, values: {}, errors: {}, ...data },
      { layout: 'console' },
    );
  }
}

export function csvField(value: string | number | boolean | null | undefined): string {
  const text = value === null || value === undefined ? '' : String(value);
  // A leading =, +, - or @ would run as a formula in a spreadsheet.
  const safe = /^[=+\-@]/.test(text) ? `'${text}` : text;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}
