import { Controller, Get, Inject, Param, Post, Query } from '@nestjs/common';
import { Can, NotFound, Page, redirect, Redirect, RequestContext, TenantDatabase } from '@consilium/core';
import { TenantSite } from '@consilium/tenancy';
import { DemoCard, DemoProvider } from '../../providers/demo-provider';
import { PAYMENT_PROVIDER, PaymentProvider } from '../../providers/payment-provider';
import { PaymentEvents } from '../../webhooks/payment-events.service';
import { Payment } from '../payment.entity';

const SESSION = /^demo_cs_[0-9a-f]{24}$/;

/** A checkout still to complete: a first authorization, or the patient confirming a payment whose hold lapsed. */
const open = (p: Payment) => p.status === 'pending' || (p.status === 'authorized' && !!p.confirmationRequestedAt);

/**
 * The demo provider's checkout page, on the hospital's own host, for the patient whose case it is. It exists only
 * when no Stripe key is configured, says plainly that no money moves, and its buttons send the events Stripe would.
 */
@Controller('pay/demo')
@TenantSite()
export class DemoCheckoutController {
  constructor(
    @Inject(PAYMENT_PROVIDER) private readonly provider: PaymentProvider,
    private readonly db: TenantDatabase,
    private readonly context: RequestContext,
    private readonly events: PaymentEvents,
  ) {}

  @Can('portal.access')
  @Get(':sessionId')
  @Page('payments/demo-checkout', { title: 'payments.demo.title' })
  async page(@Param('sessionId') sessionId: string) {
    const payment = await this.find(sessionId);
    return { payment, pending: open(payment), confirming: !!payment.confirmationRequestedAt };
  }

  @Can('portal.access')
  @Post(':sessionId/authorize')
  async authorize(@Param('sessionId') sessionId: string, @Query('card') card?: string): Promise<Redirect> {
    const payment = await this.find(sessionId);
    // The demo's second test card renews nothing without the patient: it shows the confirmation a lapsed hold needs.
    const demoCard: DemoCard = card === 'asks' ? 'asks' : 'saved';
    if (open(payment)) for (const event of this.demo().authorizationEvents(payment, demoCard)) await this.events.process(event);
    return redirect(`/account/receipts/${payment.id}?checkout=done`);
  }

  @Can('portal.access')
  @Post(':sessionId/cancel')
  async cancel(@Param('sessionId') sessionId: string): Promise<Redirect> {
    const payment = await this.find(sessionId);
    if (payment.status === 'pending') for (const event of this.demo().cancellationEvents(payment)) await this.events.process(event);
    return redirect('/account?checkout=cancelled');
  }

  private demo(): DemoProvider {
    if (!(this.provider instanceof DemoProvider)) throw new NotFound();
    return this.provider;
  }

  /** The patient's own demo checkout; anyone else's, another hospital's, or a real provider's is "not found". */
  private async find(sessionId: string): Promise<Payment> {
    this.demo();
    if (!SESSION.test(sessionId)) throw new NotFound();
    const payment = await this.db.transaction((tx) =>
      tx.findOneBy(Payment, { checkoutSessionId: sessionId, patientId: this.context.actor()!.id }),
    );
    if (!payment) throw new NotFound();
    return payment;
  }
}
