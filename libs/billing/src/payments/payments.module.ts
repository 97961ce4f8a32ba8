import { AuditModule } from '@consilium/audit';
import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ViewRenderer } from '@consilium/core';
import { OperatorDataModule } from '@consilium/core/operator-data';
import { CasesModule } from '@consilium/cases';
import { CatalogModule } from '@consilium/catalog';
import { TenancyModule } from '@consilium/tenancy';
import path from 'node:path';
import { PAYMENT_PROVIDERS } from '../providers/provider.factory';
import { PaymentEvents } from '../webhooks/payment-events.service';
import { StripeWebhookController } from '../webhooks/stripe-webhook.controller';
import { FundingBudgets } from './funding/funding-budgets.service';
import { ConsoleRevenueController } from './http/console-revenue.controller';
import { DemoCheckoutController } from './http/demo-checkout.controller';
import { OperatorRevenueController } from './http/operator-revenue.controller';
import { SiteReceiptsController } from './http/site-receipts.controller';
import { SitePaymentConfirmationController } from './http/site-payment-confirmation.controller';
import { PaymentHolds } from './payment-holds';
import { PaymentAccounts } from './payment-accounts.service';
import { PaymentApplier } from './payment-applier';
import { PaymentMetrics } from './payment-metrics';
import { Payment } from './payment.entity';
import { PaymentsService } from './payments.service';
import { PaymentsReconciliation } from './reconciliation.service';
import { RevenueReports } from './revenue-reports.service';
import { ReconciliationSchedule } from './reconciliation-schedule.service';
import { FundingClaims } from './funding/funding-claims.service';
import { FundingProgramsModule } from '../funding-programs/funding-programs.module';
import { ConsoleFundingController } from './http/console-funding.controller';
import { ConsoleRefundRulesController } from './http/console-refund-rules.controller';
import { RefundRulesPage } from './http/refund-rules-page';
import { ConsoleExtrasController, PortalExtrasController } from './http/extras.controllers';
import { CaseExtras } from './extras/case-extras.service';
import { ConsoleExtrasPage, PortalExtrasPage } from './http/extras-pages';
import { FundingPage, FundingReviewsPage } from './http/funding-pages';
import { RevenuePage } from './http/revenue-page';
import { RefundRuleHandler, RuleRefunds } from './rule-refunds';

const SERVICES = [
  FundingClaims,
  CaseExtras,
  PaymentsService,
  PaymentHolds,
  PaymentApplier,
  PaymentMetrics,
  PaymentAccounts,
  PaymentEvents,
  FundingBudgets,
  PaymentsReconciliation,
  ReconciliationSchedule,
  RevenueReports,
  RuleRefunds,
  RefundRuleHandler,
];

/**
 * Payments (issue 8): checkout with the configured provider (Stripe, or the offline demo), capture and release for
 * the pipeline, webhooks, refunds, funding budgets, receipts and revenue reports. The importing app provides the
 * access guard (IdentityModule): every route here declares its action.
 */
@Module({
  imports: [
    TypeOrmModule.forFeature([Payment]),
    OperatorDataModule,
    AuditModule,
    CasesModule,
    CatalogModule,
    TenancyModule,
    FundingProgramsModule,
  ],
  controllers: [
    ConsoleFundingController,
    ConsoleRefundRulesController,
    PortalExtrasController,
    ConsoleExtrasController,
    StripeWebhookController,
    DemoCheckoutController,
    SiteReceiptsController,
    SitePaymentConfirmationController,
    ConsoleRevenueController,
    OperatorRevenueController,
  ],
  providers: [
    ...PAYMENT_PROVIDERS,
    ...SERVICES,
    PortalExtrasPage,
    ConsoleExtrasPage,
    FundingPage,
    FundingReviewsPage,
    RevenuePage,
    RefundRulesPage,
  ],
  exports: [...PAYMENT_PROVIDERS, ...SERVICES],
})
export class PaymentsModule {
  constructor(views: ViewRenderer) {
    views.registerViews('payments', path.join(__dirname, 'views'));
  }
}
