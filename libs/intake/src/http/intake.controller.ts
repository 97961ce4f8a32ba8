import { Body, Controller, Get, Header, HttpCode, Param, ParseUUIDPipe, Post, Query, Req, Res } from '@nestjs/common';
import { Audited } from '@consilium/audit';
import { Case, CONSENT_KINDS, ConsentKind, requiredConsents } from '@consilium/cases';
import { CatalogReader } from '@consilium/catalog';
import {
  AppConfig,
  Can,
  fieldTexts,
  InvalidInput,
  Public,
  RateLimit,
  RequestContext,
  SecretBox,
  Translator,
  ViewRenderer,
} from '@consilium/core';
import { AttributionService, visitorIdFrom } from '@consilium/marketing';
import { localize, ResolvedTenant, TenantSite } from '@consilium/tenancy';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { consentDocument } from '../wizard/consent-documents';
import { IntakeDrafts, IntakeProgress, IntakeStep, RouteDeclined } from '../wizard/intake-drafts.service';
import {
  bodyDetails,
  choiceValues,
  detailsValues,
  fieldText,
  offeringQuestions,
  placeOptions,
  readChoice,
  readDetails,
  readLocalPhysician,
} from '../wizard/intake-form';
import { choiceOf, FundingOption, IntakeChoice, IntakePlan, IntakePlanner } from '../wizard/intake-planner';

/** The first step's answers ride in a sealed cookie until the patient has an account; nothing clinical is in it. */
export const INTAKE_CHOICE_COOKIE = 'cs_intake';
const CHOICE_COOKIE = INTAKE_CHOICE_COOKIE;
const CHOICE_MAX_AGE = 7 * 24 * 3600;

const STEPS: IntakeStep[] = ['choice', 'details', 'physician', 'consents', 'review'];

type Html = Promise<string | void>;

/**
 * The intake wizard at /start: what to ask for and where the patient lives (before any account), the plan in plain
 * words, then (signed in, as a draft case saved at every step) the questions, the local physician when the route
 * needs one, the consents, and the full quote before paying. Every step validates on the server and shows the page
 * again with what was typed.
 */
@Controller('start')
@TenantSite()
export class IntakeController {
  private readonly box: SecretBox;

  constructor(
    private readonly views: ViewRenderer,
    private readonly planner: IntakePlanner,
    private readonly drafts: IntakeDrafts,
    private readonly catalog: CatalogReader,
    private readonly attribution: AttributionService,
    private readonly context: RequestContext,
    private readonly config: AppConfig,
    private readonly translator: Translator,
  ) {
    this.box = new SecretBox(config.appSecret, 'intake-choice');
  }

  @Public()
  @Get()
  @Header('content-type', 'text/html; charset=utf-8')
  @Header('cache-control', 'no-store')
  async choicePage(@Req() req: FastifyRequest, @Query() query: Record<string, string>): Promise<string> {
    const saved = this.readChoiceCookie(req);
    const catalog = await this.catalog.snapshot(this.tenant().id);
    // Deep links from the site: /start?offering=…, ?specialty=… (its first offering), ?physician=….
    const fromSpecialty = query.specialty ? catalog.offerings.find((o) => o.specialtySlug === query.specialty)?.slug : undefined;
    const values = choiceValues(saved);
    if (query.offering || fromSpecialty) values.offering = query.offering ?? fromSpecialty;
    if (query.physician) values.physician = query.physician;
    return this.renderChoice({ values, action: '/start' });
  }

  @Public()
  @Post()
  @HttpCode(200)
  async choose(@Body() body: Record<string, unknown>, @Res({ passthrough: true }) reply: FastifyReply): Html {
    const choice = readChoice(body);
    try {
      await this.planner.plan(this.tenant(), choice, this.context.locale());
    } catch (error) {
      if (!(error instanceof InvalidInput)) throw error;
      return this.invalid(reply, await this.renderChoice({ values: choiceValues(choice), errors: fieldTexts(error), action: '/start' }));
    }
    reply.setCookie(CHOICE_COOKIE, this.box.seal(JSON.stringify(choice)), this.cookieOptions());
    void reply.redirect('/start/plan', 303);
  }

  /** The route in plain words and the price, before any account is needed. */
  @Public()
  @Get('plan')
  @Header('content-type', 'text/html; charset=utf-8')
  @Header('cache-control', 'no-store')
  async planPage(@Req() req: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply): Html {
    const choice = this.readChoiceCookie(req);
    if (!choice) return void reply.redirect('/start', 303);
    const plan = await this.tryPlan(choice);
    if (!plan) return void reply.redirect('/start', 303);
    const actor = this.context.actor();
    return this.views.render('intake/start-plan', {
      title: this.text('intake.start.planTitle'),
      plan: this.planView(plan),
      signedIn: actor?.kind === 'patient',
      signedInOther: !!actor && actor.kind !== 'patient',
      next: encodeURIComponent('/start/plan'),
    });
  }

  /** Signed in: the choice becomes a draft case of the patient's, and the cookie is spent. */
  @Can('intake.start')
  @Audited({ action: 'case.draft_start', entityType: 'case' })
  @RateLimit('intake')
  @Post('plan')
  @HttpCode(200)
  async startDraft(@Req() req: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply): Html {
    const choice = this.readChoiceCookie(req);
    const plan = choice && (await this.tryPlan(choice));
    if (!plan) return void reply.redirect('/start', 303);
    if (plan.decision.route === 'declined') return void reply.redirect('/start/plan', 303);
    const visitorId = visitorIdFrom(req.headers);
    const c = await this.drafts.start(plan, visitorId);
    if (visitorId) await this.attribution.linkVisitorToCase(visitorId, c.id);
    reply.clearCookie(CHOICE_COOKIE, { path: '/' });
    void reply.redirect(`/start/${c.id}/details`, 303);
  }

  /** Resuming a draft (from the portal): the first step not done yet. */
  @Can('intake.start')
  @Get(':id')
  async resume(@Param('id', ParseUUIDPipe) id: string, @Res() reply: FastifyReply): Promise<void> {
    const { progress } = await this.drafts.draft(id);
    void reply.redirect(`/start/${id}/${progress.next}`, 303);
  }

  @Can('intake.start')
  @Get(':id/choice')
  @Header('content-type', 'text/html; charset=utf-8')
  @Header('cache-control', 'no-store')
  async draftChoicePage(@Param('id', ParseUUIDPipe) id: string): Promise<string> {
    const { c, progress } = await this.drafts.draft(id);
    const values = choiceValues(choiceOf(c, await this.catalog.snapshot(c.tenantId)));
    return this.renderChoice({ values, action: `/start/${id}/choice`, draft: this.draftView(c, progress, 'choice') });
  }

  @Can('intake.start')
  @Audited({ action: 'case.draft_update', entityType: 'case', param: 'id' })
  @Post(':id/choice')
  @HttpCode(200)
  async rechoose(
    @Param('id', ParseUUIDPipe) id: string,
    @Body() body: Record<string, unknown>,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Html {
    const { c, progress } = await this.drafts.draft(id);
    const choice = readChoice(body);
    let plan: IntakePlan;
    try {
      plan = await this.planner.plan(this.tenant(), choice, this.context.locale());
    } catch (error) {
      if (!(error instanceof InvalidInput)) throw error;
      return this.invalid(
        reply,
        await this.renderChoice({
          values: choiceValues(choice),
          errors: fieldTexts(error),
          action: `/start/${id}/choice`,
          draft: this.draftView(c, progress, 'choice'),
        }),
      );
    }
    if (plan.decision.route === 'declined') {
      // Shown, not saved: the draft keeps its last route that allows an opinion.
      return this.invalid(
        reply,
        await this.renderChoice({
          values: choiceValues(choice),
          action: `/start/${id}/choice`,
          draft: this.draftView(c, progress, 'choice'),
          declined: this.planView(plan),
        }),
      );
    }
    await this.drafts.rechoose(id, plan);
    void reply.redirect(`/start/${id}/review`, 303);
  }

  @Can('intake.start')
  @Get(':id/details')
  @Header('content-type', 'text/html; charset=utf-8')
  @Header('cache-control', 'no-store')
  async detailsPage(@Param('id', ParseUUIDPipe) id: string): Promise<string> {
    const { c, progress } = await this.drafts.draft(id);
    return this.renderDetails(
      c,
      progress,
      detailsValues({ questions: c.questions, diagnosis: c.diagnosis, proposedTreatment: c.proposedTreatment, answers: c.intakeAnswers }),
    );
  }

  @Can('intake.start')
  @Audited({ action: 'case.draft_update', entityType: 'case', param: 'id' })
  @Post(':id/details')
  @HttpCode(200)
  async saveDetails(
    @Param('id', ParseUUIDPipe) id: string,
    @Body() body: Record<string, unknown>,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Html {
    const { c, progress } = await this.drafts.draft(id);
    const offering = await this.offeringOf(c);
    try {
      await this.drafts.saveDetails(id, readDetails(body, offering?.intakeQuestions ?? [], this.context.locale()));
    } catch (error) {
      if (!(error instanceof InvalidInput)) throw error;
      return this.invalid(reply, await this.renderDetails(c, progress, detailsValues(bodyDetails(body)), fieldTexts(error)));
    }
    const { progress: after } = await this.drafts.draft(id);
    void reply.redirect(`/start/${id}/${after.needsLocalPhysician ? 'physician' : 'consents'}`, 303);
  }

  @Can('intake.start')
  @Get(':id/physician')
  @Header('content-type', 'text/html; charset=utf-8')
  @Header('cache-control', 'no-store')
  async physicianPage(@Param('id', ParseUUIDPipe) id: string, @Res({ passthrough: true }) reply: FastifyReply): Html {
    const { c, progress } = await this.drafts.draft(id);
    if (!progress.needsLocalPhysician) return void reply.redirect(`/start/${id}/consents`, 303);
    return this.renderPhysician(c, progress, { ...(c.localPhysician ?? {}) });
  }

  @Can('intake.start')
  @Audited({ action: 'case.draft_update', entityType: 'case', param: 'id' })
  @Post(':id/physician')
  @HttpCode(200)
  async savePhysician(
    @Param('id', ParseUUIDPipe) id: string,
    @Body() body: Record<string, unknown>,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Html {
    const { c, progress } = await this.drafts.draft(id);
    try {
      await this.drafts.saveLocalPhysician(id, readLocalPhysician(body));
    } catch (error) {
      if (!(error instanceof InvalidInput)) throw error;
      return this.invalid(reply, this.renderPhysician(c, progress, body, fieldTexts(error)));
    }
    void reply.redirect(`/start/${id}/consents`, 303);
  }

  @Can('intake.start')
  @Get(':id/consents')
  @Header('content-type', 'text/html; charset=utf-8')
  @Header('cache-control', 'no-store')
  async consentsPage(@Param('id', ParseUUIDPipe) id: string): Promise<string> {
    const { c, progress } = await this.drafts.draft(id);
    const given = CONSENT_KINDS.filter((k) => !progress.missingConsents.includes(k));
    return this.renderConsents(c, progress, given);
  }

  @Can('intake.start')
  @Audited({ action: 'case.consents', entityType: 'case', param: 'id' })
  @Post(':id/consents')
  @HttpCode(200)
  async giveConsents(
    @Param('id', ParseUUIDPipe) id: string,
    @Body() body: Record<string, unknown>,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Html {
    const { c, progress } = await this.drafts.draft(id);
    const agreed = new Set(CONSENT_KINDS.filter((k) => body[`consent_${k}`] === 'yes'));
    try {
      await this.drafts.giveConsents(id, this.consentDocuments(), agreed);
    } catch (error) {
      if (!(error instanceof InvalidInput)) throw error;
      return this.invalid(reply, this.renderConsents(c, progress, [...agreed], fieldTexts(error)));
    }
    void reply.redirect(`/start/${id}/review`, 303);
  }

  @Can('intake.start')
  @Get(':id/review')
  @Header('content-type', 'text/html; charset=utf-8')
  @Header('cache-control', 'no-store')
  async reviewPage(@Param('id', ParseUUIDPipe) id: string, @Query('funding') funding?: string): Promise<string> {
    const { c, progress } = await this.drafts.draft(id);
    return this.renderReview(c, progress, { funding: funding ?? c.quote?.funding?.programId ?? '' });
  }

  /** The patient accepts the quote on the page; the server prices it again and hands over to billing. */
  @Can('intake.start')
  @Audited({ action: 'case.quote_accept', entityType: 'case', param: 'id' })
  @RateLimit('intake')
  @Post(':id/review')
  @HttpCode(200)
  async submit(
    @Param('id', ParseUUIDPipe) id: string,
    @Body() body: Record<string, unknown>,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Html {
    const { c, progress } = await this.drafts.draft(id);
    const { plan, options } = await this.replan(c);
    const fundingId = fieldText(body.funding);
    const option = options.find((o) => o.program.id === fundingId);
    const values = { funding: fundingId, eligible: body.eligible, accept: body.accept, funding_code: body.funding_code };
    // "Update the price": the same page with the chosen program applied, nothing accepted (no JavaScript needed).
    if (body.go === 'update') return this.renderReview(c, progress, values);
    const errors: Record<string, string> = {};
    if (fundingId && !option) errors.funding = 'This funding program cannot cover this request any more. Choose another option.';
    if (body.accept !== 'yes') errors.accept = 'Confirm that you accept the price to continue.';
    if (!Object.keys(errors).length) {
      try {
        // The roster or the policy may have changed since the draft was started: the route sent is today's.
        if (plan.decision.route !== (c.route ?? undefined)) await this.drafts.rechoose(id, plan);
        const { redirectUrl } = await this.drafts.submit(id, this.planner.withFunding(plan.quote, option), {
          attested: body.eligible === 'yes',
          code: typeof body.funding_code === 'string' ? body.funding_code : undefined,
        });
        return void reply.redirect(redirectUrl, 303);
      } catch (error) {
        if (error instanceof RouteDeclined) return void reply.redirect(`/start/${id}/choice`, 303);
        if (!(error instanceof InvalidInput)) throw error;
        Object.assign(errors, error.fields);
      }
    }
    return this.invalid(reply, await this.renderReview(c, progress, values, errors));
  }

  // ---- pages

  private async renderChoice(data: {
    values: Record<string, unknown>;
    errors?: Record<string, string>;
    action: string;
    draft?: unknown;
    declined?: unknown;
  }): Promise<string> {
    const tenant = this.tenant();
    const locale = this.context.locale();
    const catalog = await this.catalog.snapshot(tenant.id);
    const specialties = catalog.specialties
      .map((s) => ({
        name: localize(s.name, locale, tenant.defaultLocale),
        offerings: catalog.offerings
          .filter((o) => o.specialtyId === s.id)
          .map((o) => ({
            slug: o.slug,
            name: localize(o.name, locale, tenant.defaultLocale),
            description: localize(o.description, locale, tenant.defaultLocale),
            priceMinor: o.priceMinor,
            currency: o.currency,
            turnaround: o.turnaroundBusinessDays,
            followUps: o.followUpQuestions,
            addOns: o.addOns.map((a) => ({
              code: a.code,
              name: localize(a.name, locale, tenant.defaultLocale),
              description: localize(a.description, locale, tenant.defaultLocale),
              priceMinor: a.priceMinor,
              currency: o.currency,
            })),
          })),
      }))
      .filter((s) => s.offerings.length);
    return this.views.render('intake/start-choice', {
      title: this.text('intake.start.title'),
      specialties,
      places: placeOptions(locale),
      ...data,
    });
  }

  private async renderDetails(
    c: Case,
    progress: IntakeProgress,
    values: ReturnType<typeof detailsValues>,
    errors?: Record<string, string>,
  ): Promise<string> {
    const tenant = this.tenant();
    const offering = await this.offeringOf(c);
    return this.views.render('intake/start-details', {
      title: this.text('intake.start.detailsTitle'),
      draft: this.draftView(c, progress, 'details'),
      values,
      questionBoxes: values.questions.map((text, i) => ({ text, n: i + 1, id: `f-question-${i + 1}` })),
      offeringQuestions: offeringQuestions(offering?.intakeQuestions ?? [], this.context.locale(), tenant.defaultLocale).map((q) => ({
        ...q,
        value: values.answers[q.key] ?? '',
        error: errors?.[q.field],
      })),
      errors,
    });
  }

  private renderPhysician(c: Case, progress: IntakeProgress, values: Record<string, unknown>, errors?: Record<string, string>): string {
    return this.views.render('intake/start-physician', {
      title: this.text('intake.start.physicianTitle'),
      draft: this.draftView(c, progress, 'physician'),
      values,
      errors,
    });
  }

  private renderConsents(c: Case, progress: IntakeProgress, agreed: ConsentKind[], errors?: Record<string, string>): string {
    const documents = this.consentDocuments()
      .filter((d) => requiredConsents(c.routeOverride?.route ?? c.route).includes(d.kind))
      .map((d) => ({ ...d, field: `consent_${d.kind}`, checked: agreed.includes(d.kind), error: errors?.[`consent_${d.kind}`] }));
    return this.views.render('intake/start-consents', {
      title: this.text('intake.start.consentsTitle'),
      draft: this.draftView(c, progress, 'consents'),
      documents,
      errors,
    });
  }

  private async renderReview(
    c: Case,
    progress: IntakeProgress,
    values: Record<string, unknown>,
    errors?: Record<string, string>,
  ): Promise<string> {
    const { plan, options } = await this.replan(c);
    const chosen = options.find((o) => o.program.id === values.funding);
    const incomplete = (['details', 'physician', 'consents'] as const).filter((s) => !progress.done[s]);
    return this.views.render('intake/start-review', {
      title: this.text('intake.start.reviewTitle'),
      draft: this.draftView(c, progress, 'review'),
      plan: this.planView(plan),
      quote: this.planner.withFunding(plan.quote, chosen),
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
      values,
      errors,
    });
  }

  // ---- helpers

  private async replan(c: Case): Promise<{ plan: IntakePlan; options: FundingOption[] }> {
    const choice = choiceOf(c, await this.catalog.snapshot(c.tenantId));
    const plan = await this.planner.plan(this.tenant(), choice, this.context.locale());
    return { plan, options: await this.planner.fundingOptions(this.tenant(), plan, this.context.locale()) };
  }

  private async offeringOf(c: Case) {
    return (await this.catalog.snapshot(c.tenantId)).offerings.find((o) => o.id === c.offeringId);
  }

  private async tryPlan(choice: IntakeChoice): Promise<IntakePlan | undefined> {
    try {
      return await this.planner.plan(this.tenant(), choice, this.context.locale());
    } catch (error) {
      if (error instanceof InvalidInput) return undefined; // the catalog changed since: start again
      throw error;
    }
  }

  private planView(plan: IntakePlan) {
    const tenant = this.tenant();
    const locale = this.context.locale();
    const d = plan.decision;
    const declinedWhy =
      d.route === 'declined'
        ? (d.reasons.find((r) => r.code === 'jurisdiction_excluded' || r.code === 'no_physician')?.code ?? 'policy')
        : undefined;
    return {
      route: d.route,
      routeKey: d.route === 'declined' ? `intake.route.declined_${declinedWhy}` : `intake.route.${d.route}`,
      declined: d.route === 'declined',
      needsLocalPhysician: d.needsLocalPhysician,
      educational: d.route === 'educational',
      place: plan.jurisdictionName,
      hospital: tenant.name,
      offering: localize(plan.offering.name, locale, tenant.defaultLocale),
      specialty: localize(plan.specialty.name, locale, tenant.defaultLocale),
      turnaround: plan.offering.turnaroundBusinessDays,
      followUps: plan.offering.followUpQuestions,
      quote: plan.quote,
      requestedPhysician: plan.requestedPhysicianName
        ? { name: plan.requestedPhysicianName, eligible: !!d.requestedPhysician?.eligible }
        : undefined,
    };
  }

  private draftView(c: Case, progress: IntakeProgress, current: IntakeStep) {
    return {
      id: c.id,
      number: c.number,
      steps: STEPS.filter((s) => s !== 'physician' || progress.needsLocalPhysician).map((s) => ({
        step: s,
        label: `intake.start.step.${s}`,
        href: `/start/${c.id}/${s}`,
        current: s === current,
        done: progress.done[s],
      })),
    };
  }

  private consentDocuments() {
    const locale = this.context.locale();
    return CONSENT_KINDS.map((kind) => consentDocument(kind, locale, this.tenant().name));
  }

  private readChoiceCookie(req: FastifyRequest): IntakeChoice | undefined {
    const sealed = req.cookies?.[CHOICE_COOKIE];
    if (!sealed) return undefined;
    try {
      const parsed = JSON.parse(this.box.open(sealed)) as IntakeChoice;
      return typeof parsed.offering === 'string' && Array.isArray(parsed.addOns) && typeof parsed.jurisdiction === 'string'
        ? parsed
        : undefined;
    } catch {
      return undefined; // tampered, or sealed under an older secret: ask again
    }
  }

  private cookieOptions() {
    return {
      path: '/',
      httpOnly: true,
      sameSite: 'lax' as const,
      maxAge: CHOICE_MAX_AGE,
      secure: this.config.raw.PUBLIC_SCHEME === 'https',
    };
  }

  private invalid(reply: FastifyReply, html: string): string {
    reply.status(400).header('content-type', 'text/html; charset=utf-8').header('cache-control', 'no-store');
    return html;
  }

  private tenant(): ResolvedTenant {
    return this.context.tenant<ResolvedTenant>();
  }

  private text(key: string): string {
    return this.translator.t(key, this.context.locale());
  }
}
