import { Injectable } from '@nestjs/common';
import { AuditLog } from '@consilium/audit';
import { Clock, first, TenantDatabase } from '@consilium/core';
import { BusinessCalendar, Case, lateRuleFiresAt, REFUND_RULE_JOB, RefundRulePayload } from '@consilium/cases';
import { JobContext, JobHandler, JobHandlerInstance } from '@consilium/jobs';
import { LateRefundRule, lateRefundRules, TenantResolver } from '@consilium/tenancy';
import { FundingBudgets } from './funding/funding-budgets.service';
import { PaymentsService } from './payments.service';

/** The reason a refund by rule is kept with (payment_refunds.reason); the sum of these is what rules already gave. */
export const RULE_REFUND_REASON = 'refund-rule';

/**
 * What the rules owe now: the rule with the most days that the lateness has reached (in the hospital's business days,
 * as the promise is counted) sets the share of what was paid, less what rules already refunded. Nothing while paused,
 * once delivered, or before the promise passed.
 */
export function ruleRefundDue(input: {
  rules: LateRefundRule[];
  calendar: BusinessCalendar;
  promisedBy: Date | null;
  paused: boolean;
  delivered: boolean;
  now: Date;
  capturedMinor: number;
  refundedByRuleMinor: number;
}): { amountMinor: number; rule: LateRefundRule | null } {
  if (!input.promisedBy || input.paused || input.delivered) return { amountMinor: 0, rule: null };
  const { promisedBy, now, calendar } = input;
  if (now.getTime() < promisedBy.getTime()) return { amountMinor: 0, rule: null };
  const rule =
    [...input.rules].reverse().find((r) => now.getTime() >= lateRuleFiresAt(promisedBy, r.afterDays, calendar).getTime()) ?? null;
  if (!rule) return { amountMinor: 0, rule: null };
  const owed = Math.floor((input.capturedMinor * rule.percent) / 100);
  return { amountMinor: Math.max(0, owed - input.refundedByRuleMinor), rule };
}

export type RuleRefundOutcome = 'nothing' | 'refunded';

/** The name a rule's refund is kept under: in payment_refunds.reason and as the fund credit's ledger step. */
export function ruleRefundStep(rule: LateRefundRule): string {
  return `late-${rule.afterDays}d-${rule.percent}pct`;
}

/**
 * Applies the hospital's late-refund rules to one case when its job runs. What the patient paid goes back through
 * the payment provider already used (demo or Stripe), with the rule as the refund's reason (audited as a payment
 * refund, and on the revenue report); what a charitable fund paid goes back to the fund's budget as a credit in its
 * ledger (audited, on the funding page). Idempotent: what rules already gave back is subtracted, each fund credit is
 * written once per rule, and two runs at once take turns on a lock per case.
 */
@Injectable()
export class RuleRefunds {
  constructor(
    private readonly db: TenantDatabase,
    private readonly payments: PaymentsService,
    private readonly tenants: TenantResolver,
    private readonly clock: Clock,
    private readonly audit: AuditLog,
    private readonly funding: FundingBudgets,
  ) {}

  async apply(tenantId: string, caseId: string): Promise<RuleRefundOutcome> {
    const tenant = await this.tenants.byId(tenantId);
    if (!tenant) return 'nothing';
    return this.db.forTenant(tenantId, async (tx) => {
      // Held until this transaction ends, after the refund's own has committed: a second run waits, then owes nothing.
      await tx.query(`SELECT pg_advisory_xact_lock(hashtext('consilium:refund-rule:' || $1))`, [caseId]);
      const c = await tx.findOneBy(Case, { id: caseId });
      if (!c) return 'nothing';
      const offering = c.offeringId
        ? await first<{ slug: string }>(tx, 'SELECT slug FROM offerings WHERE id = $1', [c.offeringId])
        : undefined;
      // The opinion's payment once charged: by the patient's card, by a fund (spent at capture), or both.
      const paid = await first<{ id: string; captured: number; by_rule: number; program: string | null; spent: number; credited: number }>(
        tx,
        `SELECT p.id, p.captured_minor AS captured, p.funding_program_id AS program,
                coalesce((SELECT sum(r.amount_minor) FROM payment_refunds r WHERE r.tenant_id = p.tenant_id AND r.payment_id = p.id
                           AND r.reason LIKE $2), 0)::int AS by_rule,
                coalesce((SELECT sum(l.amount_minor) FROM funding_ledger l WHERE l.tenant_id = p.tenant_id AND l.payment_id = p.id
                           AND l.kind = 'spend'), 0)::int AS spent,
                coalesce((SELECT sum(l.amount_minor) FROM funding_ledger l WHERE l.tenant_id = p.tenant_id AND l.payment_id = p.id
                           AND l.kind = 'credit'), 0)::int AS credited
           FROM payments p WHERE p.case_id = $1 AND p.purpose = 'opinion' AND p.captured_at IS NOT NULL
          ORDER BY p.attempt DESC LIMIT 1`,
        [c.id, `${RULE_REFUND_REASON}:%`],
      );
      if (!paid) return 'nothing';
      const judged = {
        rules: lateRefundRules(tenant.settings, offering?.slug),
        calendar: { timeZone: tenant.timeZone, holidays: tenant.settings.holidays ?? [] },
        promisedBy: c.promisedBy,
        paused: !!c.pausedAt,
        delivered: !!c.deliveredAt,
        now: this.clock.now(),
      };
      const patient = ruleRefundDue({ ...judged, capturedMinor: paid.captured, refundedByRuleMinor: paid.by_rule });
      const fund = ruleRefundDue({ ...judged, capturedMinor: paid.spent, refundedByRuleMinor: paid.credited });
      let outcome: RuleRefundOutcome = 'nothing';
      if (fund.rule && fund.amountMinor > 0 && paid.program) {
        const step = { tenantId, programId: paid.program, paymentId: paid.id, caseId: c.id, amountMinor: fund.amountMinor };
        if (await this.funding.credit(tx, { ...step, name: ruleRefundStep(fund.rule) })) {
          await this.audit.record(
            { action: 'funding.credit_by_rule', outcome: 'allowed', entityType: 'case', entityId: c.id, subjectId: c.patientId },
            tenantId,
          );
          outcome = 'refunded';
        }
      }
      if (patient.rule && patient.amountMinor > 0) {
        await this.payments.refund(c.id, patient.amountMinor, `${RULE_REFUND_REASON}:${ruleRefundStep(patient.rule)}`, {
          tenantId,
          keepCase: true,
        });
        await this.audit.record(
          { action: 'payment.refund_by_rule', outcome: 'allowed', entityType: 'case', entityId: c.id, subjectId: c.patientId },
          tenantId,
        );
        outcome = 'refunded';
      }
      return outcome;
    });
  }
}

@Injectable()
@JobHandler(REFUND_RULE_JOB)
export class RefundRuleHandler implements JobHandlerInstance<RefundRulePayload> {
  constructor(private readonly refunds: RuleRefunds) {}

  async handle(job: JobContext<RefundRulePayload>): Promise<Record<string, unknown>> {
    return { outcome: await this.refunds.apply(job.tenantId, job.payload.caseId) };
  }
}
