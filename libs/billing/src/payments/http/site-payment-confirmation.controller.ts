import { Controller, Get, Param, ParseUUIDPipe, Post } from '@nestjs/common';
import { Audited } from '@consilium/audit';
import { Can, Page, redirect, Redirect } from '@consilium/core';
import { TenantSite } from '@consilium/tenancy';
import { PaymentHolds } from '../payment-holds';
import { PaymentsService } from '../payments.service';

/**
 * Where the "confirm your payment" email leads: the patient's own case, the amount in their language, and one button
 * to the payment page. Another patient's case, or another hospital's, is "not found".
 */
@Controller('account/cases')
@TenantSite()
export class SitePaymentConfirmationController {
  constructor(
    private readonly holds: PaymentHolds,
    private readonly payments: PaymentsService,
  ) {}

  @Can('portal.access')
  @Get(':id/confirm-payment')
  @Page('payments/confirm-payment', { title: 'payments.confirm.title' })
  async page(@Param('id', ParseUUIDPipe) id: string) {
    const { case: c, payment } = await this.holds.awaiting(id);
    return { c, payment, waiting: !!payment.confirmationRequestedAt && payment.status === 'authorized' };
  }

  @Can('portal.access')
  @Audited({ action: 'payment.confirm', entityType: 'case', param: 'id' })
  @Post(':id/confirm-payment')
  async confirm(@Param('id', ParseUUIDPipe) id: string): Promise<Redirect> {
    return redirect(await this.payments.startConfirmation(id));
  }
}
