import { Injectable } from '@nestjs/common';
import { FormPresenter, RefusedForm, RequestContext, TenantDatabase } from '@consilium/core';
import { localize, ResolvedTenant } from '@consilium/tenancy';
import { FundingProgramsService } from '../../funding-programs/funding-programs.service';
import { FundingBudgets } from '../funding/funding-budgets.service';
import { FundingClaims } from '../funding/funding-claims.service';

/** The funding console: each program's budget, its sponsor codes and the form that creates one. */
@Injectable()
export class FundingPage implements FormPresenter {
  constructor(
    private readonly budgets: FundingBudgets,
    private readonly programs: FundingProgramsService,
    private readonly claims: FundingClaims,
    private readonly db: TenantDatabase,
    private readonly context: RequestContext,
  ) {}

  async show(extra: Record<string, unknown> = {}): Promise<Record<string, unknown>> {
    const tenant = this.context.tenant<ResolvedTenant>();
    const locale = this.context.locale();
    const { report, programs, codes } = await this.db.transaction(async (tx) => ({
      report: await this.budgets.report(tx),
      programs: await this.programs.list(tx, tenant.id),
      codes: await this.claims.listCodes(tx),
    }));
    const nameOf = new Map(programs.map((p) => [p.id, localize(p.name, locale, tenant.defaultLocale) ?? p.slug]));
    return {
      programs: report.map((r) => ({
        ...r,
        name: nameOf.get(r.programId) ?? r.programId,
        review: programs.find((p) => p.id === r.programId)?.reviewRequired,
      })),
      codePrograms: programs.filter((p) => p.access === 'code').map((p) => ({ id: p.id, name: nameOf.get(p.id) })),
      codes: codes.map((c) => ({ ...c, program: nameOf.get(c.programId), active: !c.revokedAt })),
      ...extra,
    };
  }

  refused(): Promise<Record<string, unknown>> {
    return this.show();
  }
}

/** The coordinators' list of eligibility claims waiting for a decision. */
@Injectable()
export class FundingReviewsPage implements FormPresenter {
  constructor(
    private readonly claims: FundingClaims,
    private readonly db: TenantDatabase,
    private readonly context: RequestContext,
  ) {}

  async show(): Promise<Record<string, unknown>> {
    const locale = this.context.locale();
    const claims = await this.db.transaction((tx) => this.claims.toReview(tx));
    return { claims: claims.map((c) => ({ ...c, program: localize(c.programName as never, locale) })) };
  }

  refused(_form: RefusedForm): Promise<Record<string, unknown>> {
    return this.show();
  }
}
