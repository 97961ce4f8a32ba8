import { Injectable } from '@nestjs/common';
import { Case, CaseRecords } from '@consilium/cases';
import { CatalogReader } from '@consilium/catalog';
import { FormPresenter, RefusedForm, RequestContext } from '@consilium/core';
import { lateRefundRules, ResolvedTenant } from '@consilium/tenancy';
import { IntakeDrafts } from '../../wizard/intake-drafts.service';
import { choiceOf, FundingOption, IntakePlan, IntakePlanner } from '../../wizard/intake-planner';
import { draftView, planView } from './draft-view';

/** What the review form posts besides the quote: the funding program chosen, its conditions, the acceptance. */
export type ReviewValues = Record<string, string | string[] | undefined>;

/** The last step: the request, the steps not done yet, funding programs that may help, the full quote. */
@Injectable()
export class ReviewStep implements FormPresenter {
  constructor(
    private readonly drafts: IntakeDrafts,
    private readonly planner: IntakePlanner,
    private readonly catalog: CatalogReader,
    private readonly context: RequestContext,
    private readonly records: CaseRecords,
  ) {}

  /** The draft priced again today (the roster, policy or prices may have changed), with the programs that may help. */
  async replan(c: Case): Promise<{ plan: IntakePlan; options: FundingOption[] }> {
    const tenant = this.context.tenant<ResolvedTenant>();
    const locale = this.context.locale();
    const plan = await this.planner.plan(tenant, choiceOf(c, await this.catalog.snapshot(c.tenantId)), locale);
    return { plan, options: await this.planner.fundingOptions(tenant, plan, locale) };
  }

  async model(id: string, values: ReviewValues): Promise<Record<string, unknown>> {
    const { c, progress } = await this.drafts.draft(id);
    const { plan, options } = await this.replan(c);
    const chosen = options.find((o) => o.program.id === values.funding);
    const incomplete = (['details', 'physician', 'consents'] as const).filter((s) => !progress.done[s]);
    return {
      draft: draftView(c, progress, 'review'),
      plan: planView(plan, this.context.tenant<ResolvedTenant>(), this.context.locale()),
      quote: this.planner.withFunding(plan.quote, chosen),
      // What the rules refund, shown before paying (the offering's own rules, else the hospital's).
      refundRules: lateRefundRules(this.context.tenant<ResolvedTenant>().settings, plan.offering.slug),
      funding: options.map((o) => ({
        id: o.program.id,
        name: o.name,
        description: o.description,
        eligibility: o.eligibility,
        needsCode: o.needsCode,
        covers: o.covers,
        checked: o.program.id === values.funding,
      })),
      anyCode: options.some((o) => o.needsCode),
      c: {
        id: c.id,
        number: c.number,
        questions: c.questions,
        diagnosis: c.diagnosis,
        proposedTreatment: c.proposedTreatment,
        localPhysician: c.localPhysician,
      },
      incomplete: incomplete.map((s) => ({ step: s, href: `/start/${c.id}/${s}` })),
      // The files already sent, so the patient sees what the hospital will have before they pay.
      records: await this.records.page(c.id),
      values,
    };
  }

  refused({ params, values }: RefusedForm): Promise<Record<string, unknown>> {
    return this.model(params.id, values);
  }
}
