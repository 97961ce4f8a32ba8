import { Body, Controller, Get, Param, ParseUUIDPipe, Post } from '@nestjs/common';
import { Audited } from '@consilium/audit';
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
} from '@consilium/core';
import { TenantSite } from '@consilium/tenancy';
import { z } from 'zod';
import { FundingClaims } from '../funding/funding-claims.service';
import { FundingPage, FundingReviewsPage } from './funding-pages';

const codeForm = z.object({
  program: field.text({ max: 60, required: 'payments.funding.chooseProgram' }).pipe(z.uuid('payments.funding.chooseProgram')),
  label: field.text({ max: 200, required: 'payments.funding.labelRequired' }),
  code: field.text({ max: 60, optional: true }),
  max_uses: field.whole(0, 9_999_999, { optional: true, message: 'payments.funding.maxUsesInvalid' }),
  expires_on: field.date({ optional: true }),
});

const reviewForm = z.object({ decision: field.choice(['confirmed', 'rejected'], 'payments.funding.chooseDecision') });

/**
 * Funding for the hospital's staff: each program's budget (admins), the codes sponsors hand out (admins: created
 * here, shown once, stored only as a hash), and the eligibility reviews coordinators do before accepting a case.
 */
@Controller('console/funding')
@TenantSite()
@StaffOnly()
@Layout('console')
export class ConsoleFundingController {
  constructor(
    private readonly claims: FundingClaims,
    private readonly page: FundingPage,
    private readonly reviewsPage: FundingReviewsPage,
    private readonly db: TenantDatabase,
    private readonly context: RequestContext,
  ) {}

  @Can('billing.read')
  @Get()
  @Page('payments/funding', { title: 'payments.funding.title' })
  show() {
    return this.page.show();
  }

  @Can('funding.manage')
  @Audited({ action: 'funding.code_create', entityType: 'funding_program' })
  @Post('codes')
  @Page('payments/funding', { title: 'payments.funding.title' })
  @Form('payments/funding', { presenter: FundingPage })
  async createCode(@Body() body: FormBody) {
    const d = parseForm(codeForm, body);
    const created = await this.db.transaction((tx) =>
      this.claims.createCode(
        tx,
        this.context.tenant().id,
        { programId: d.program, label: d.label, code: d.code || undefined, maxUses: d.max_uses || undefined, expiresOn: d.expires_on },
        this.context.actor()!.id,
      ),
    );
    // The only time the code is shown: it is stored as a hash.
    return this.page.show({ created: { code: created.code, label: d.label } });
  }

  @Can('funding.manage')
  @Audited({ action: 'funding.code_revoke', entityType: 'funding_code', param: 'id' })
  @Post('codes/:id/revoke')
  async revoke(@Param('id', ParseUUIDPipe) id: string): Promise<Redirect> {
    await this.db.transaction((tx) => this.claims.revokeCode(tx, id));
    return redirect('/console/funding?revoked=1#codes');
  }

  @Can('funding.review')
  @Get('reviews')
  @Page('payments/funding-reviews', { title: 'payments.funding.reviewsTitle' })
  reviews() {
    return this.reviewsPage.show();
  }

  @Can('funding.review')
  @Audited({ action: 'funding.review', entityType: 'case', param: 'caseId' })
  @Post('reviews/:caseId')
  @Form('payments/funding-reviews', { presenter: FundingReviewsPage, title: 'payments.funding.reviewsTitle' })
  async review(@Param('caseId', ParseUUIDPipe) caseId: string, @Body() body: FormBody): Promise<Redirect> {
    const { decision } = parseForm(reviewForm, body);
    await this.db.transaction((tx) => this.claims.review(tx, caseId, decision, this.context.actor()!.id));
    return redirect(`/console/funding/reviews?${decision}=1`);
  }
}
