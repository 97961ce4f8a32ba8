import { Body, Controller, Get, Param, ParseUUIDPipe, Post, Query } from '@nestjs/common';
import { Audited } from '@consilium/audit';
import {
  Can,
  field,
  FieldProblems,
  Form,
  FormBody,
  InvalidInput,
  msg,
  Page,
  parseForm,
  redirect,
  Redirect,
  RequestContext,
  RateLimit,
  todayIn,
} from '@consilium/core';
import { ResolvedTenant, TenantSite } from '@consilium/tenancy';
import { z } from 'zod';
import { IntakeDrafts } from '../wizard/intake-drafts.service';
import { readChoice, readDetails, readLocalPhysician } from '../wizard/intake-form';
import { IntakePlanner } from '../wizard/intake-planner';
import { proxyConsentKind } from '../wizard/subject-form';
import { ChoiceStep } from './steps/choice-step';
import { agreedIn, ConsentsStep } from './steps/consents-step';
import { DetailsStep } from './steps/details-step';
import { planView } from './steps/draft-view';
import { LocalPhysicianStep } from './steps/physician-step';
import { ReviewStep } from './steps/review-step';

const reviewForm = z.object({
  funding: field.text({ optional: true }),
  eligible: field.checkbox(),
  accept: field.checkbox(),
  funding_code: field.text({ optional: true, max: 100 }),
  go: field.text({ optional: true }),
});

/**
 * A patient's draft, step by step at /start/:id: the questions, the local physician when the route needs one, the
 * consents, and the full quote before paying (or the first step again). Every step is saved as it is sent, shown
 * again with what was typed when refused, and another patient's draft is a 404.
 */
@Controller('start/:id')
@TenantSite()
export class IntakeDraftController {
  constructor(
    private readonly planner: IntakePlanner,
    private readonly drafts: IntakeDrafts,
    private readonly context: RequestContext,
    private readonly choice: ChoiceStep,
    private readonly details: DetailsStep,
    private readonly physician: LocalPhysicianStep,
    private readonly consents: ConsentsStep,
    private readonly review: ReviewStep,
  ) {}

  /** Resuming a draft (from the portal): the first step not done yet. */
  @Can('intake.start')
  @Get()
  async resume(@Param('id', ParseUUIDPipe) id: string): Promise<Redirect> {
    const { progress } = await this.drafts.draft(id);
    return redirect(`/start/${id}/${progress.next}`);
  }

  @Can('intake.start')
  @Get('choice')
  @Page('intake/start-choice', { title: 'intake.start.title' })
  choicePage(@Param('id', ParseUUIDPipe) id: string) {
    return this.choice.saved(id);
  }

  /** Another offering or place re-routes and re-prices the draft; a place with no opinion is shown, not saved. */
  @Can('intake.start')
  @Audited({ action: 'case.draft_update', entityType: 'case', param: 'id' })
  @Post('choice')
  @Form('intake/start-choice', { presenter: ChoiceStep, title: 'intake.start.title' })
  async rechoose(@Param('id', ParseUUIDPipe) id: string, @Body() body: FormBody): Promise<Redirect> {
    await this.drafts.draft(id);
    const plan = await this.planner.plan(this.tenant(), readChoice(body), this.context.locale());
    if (plan.decision.route === 'declined') {
      const shown = planView(plan, this.tenant(), this.context.locale());
      throw new InvalidInput({ _form: msg(shown.routeKey, { place: shown.place, hospital: shown.hospital }) });
    }
    await this.drafts.rechoose(id, plan);
    return redirect(`/start/${id}/review`);
  }

  @Can('intake.start')
  @Get('details')
  @Page('intake/start-details', { title: 'intake.start.detailsTitle' })
  detailsPage(@Param('id', ParseUUIDPipe) id: string) {
    return this.details.saved(id);
  }

  @Can('intake.start')
  @Audited({ action: 'case.draft_update', entityType: 'case', param: 'id' })
  @Post('details')
  @Form('intake/start-details', { presenter: DetailsStep, title: 'intake.start.detailsTitle' })
  async saveDetails(@Param('id', ParseUUIDPipe) id: string, @Body() body: FormBody): Promise<Redirect> {
    const { c } = await this.drafts.draft(id);
    const today = todayIn(this.tenant().timeZone);
    const { details, subject } = readDetails(body, await this.details.questionsOf(c), this.context.locale(), today);
    const proxy = proxyConsentKind(subject.subject.forWhom);
    await this.drafts.saveDetails(id, details, {
      subject: subject.subject,
      proxy: proxy ? this.consents.documents(c).find((d) => d.kind === proxy) : undefined,
    });
    const { progress } = await this.drafts.draft(id);
    return redirect(`/start/${id}/${progress.needsLocalPhysician ? 'physician' : 'consents'}`);
  }

  @Can('intake.start')
  @Get('physician')
  @Page('intake/start-physician', { title: 'intake.start.physicianTitle' })
  async physicianPage(@Param('id', ParseUUIDPipe) id: string) {
    return (await this.physician.saved(id)) ?? redirect(`/start/${id}/consents`);
  }

  @Can('intake.start')
  @Audited({ action: 'case.draft_update', entityType: 'case', param: 'id' })
  @Post('physician')
  @Form('intake/start-physician', { presenter: LocalPhysicianStep, title: 'intake.start.physicianTitle' })
  async savePhysician(@Param('id', ParseUUIDPipe) id: string, @Body() body: FormBody): Promise<Redirect> {
    await this.drafts.draft(id);
    await this.drafts.saveLocalPhysician(id, readLocalPhysician(body));
    return redirect(`/start/${id}/consents`);
  }

  @Can('intake.start')
  @Get('consents')
  @Page('intake/start-consents', { title: 'intake.start.consentsTitle' })
  consentsPage(@Param('id', ParseUUIDPipe) id: string) {
    return this.consents.saved(id);
  }

  @Can('intake.start')
  @Audited({ action: 'case.consents', entityType: 'case', param: 'id' })
  @Post('consents')
  @Form('intake/start-consents', { presenter: ConsentsStep, title: 'intake.start.consentsTitle' })
  async giveConsents(@Param('id', ParseUUIDPipe) id: string, @Body() body: FormBody): Promise<Redirect> {
    const { c } = await this.drafts.draft(id);
    await this.drafts.giveConsents(id, this.consents.documents(c), new Set(agreedIn(body)));
    return redirect(`/start/${id}/review`);
  }

  @Can('intake.start')
  @Get('review')
  @Page('intake/start-review', { title: 'intake.start.reviewTitle' })
  async reviewPage(@Param('id', ParseUUIDPipe) id: string, @Query('funding') funding?: string) {
    const { c } = await this.drafts.draft(id);
    return this.review.model(id, { funding: funding ?? c.quote?.funding?.programId ?? '' });
  }

  /**
   * The patient accepts the quote on the page; the server prices it again and hands over to billing. "Update the
   * price" shows the same page with the chosen program applied, nothing accepted (no JavaScript needed).
   */
  @Can('intake.start')
  @Audited({ action: 'case.quote_accept', entityType: 'case', param: 'id' })
  @RateLimit('intake')
  @Post('review')
  @Page('intake/start-review', { title: 'intake.start.reviewTitle' })
  @Form('intake/start-review', { presenter: ReviewStep, title: 'intake.start.reviewTitle' })
  async submit(@Param('id', ParseUUIDPipe) id: string, @Body() body: FormBody) {
    const { c } = await this.drafts.draft(id);
    const form = parseForm(reviewForm, body);
    const values = {
      funding: form.funding,
      eligible: form.eligible ? 'yes' : '',
      accept: form.accept ? 'yes' : '',
      funding_code: form.funding_code,
    };
    if (form.go === 'update') return this.review.model(id, values);
    const { plan, options } = await this.review.replan(c);
    const option = options.find((o) => o.program.id === form.funding);
    const errors: FieldProblems = {};
    if (form.funding && !option) errors.funding = msg('intake.form.fundingGone');
    if (!form.accept) errors.accept = msg('intake.form.acceptPrice');
    if (Object.keys(errors).length) throw new InvalidInput(errors);
    // The roster or the policy may have changed since the draft was started: the route sent is today's.
    if (plan.decision.route !== (c.route ?? undefined)) await this.drafts.rechoose(id, plan);
    const { redirectUrl } = await this.drafts.submit(id, this.planner.withFunding(plan.quote, option), {
      attested: form.eligible,
      code: form.funding_code || undefined,
    });
    return redirect(redirectUrl);
  }

  private tenant(): ResolvedTenant {
    return this.context.tenant<ResolvedTenant>();
  }
}
