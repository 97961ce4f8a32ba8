import { Body, Controller, Get, Post, Query, Req, Res } from '@nestjs/common';
import { Audited } from '@consilium/audit';
import { CatalogReader } from '@consilium/catalog';
import { Can, Form, FormBody, Page, Public, redirect, Redirect, RequestContext, RateLimit } from '@consilium/core';
import { AttributionService, visitorIdFrom } from '@consilium/marketing';
import { ResolvedTenant, TenantSite } from '@consilium/tenancy';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { IntakeDrafts } from '../wizard/intake-drafts.service';
import { choiceValues, readChoice } from '../wizard/intake-form';
import { IntakePlanner } from '../wizard/intake-planner';
import { IntakeChoiceCookie } from './choice-cookie';
import { ChoiceStep } from './steps/choice-step';
import { planView } from './steps/draft-view';

/**
 * The intake before any account, at /start: what to ask for and where the patient lives (kept in a sealed
 * cookie), then the plan in plain words and the price. Signed in, the choice becomes a draft case
 * (IntakeDraftController takes it from there).
 */
@Controller('start')
@TenantSite()
export class IntakeStartController {
  constructor(
    private readonly planner: IntakePlanner,
    private readonly drafts: IntakeDrafts,
    private readonly catalog: CatalogReader,
    private readonly attribution: AttributionService,
    private readonly context: RequestContext,
    private readonly cookie: IntakeChoiceCookie,
    private readonly choiceStep: ChoiceStep,
  ) {}

  @Public()
  @Get()
  @Page('intake/start-choice', { title: 'intake.start.title' })
  async choicePage(@Req() req: FastifyRequest, @Query() query: Record<string, string>) {
    const catalog = await this.catalog.snapshot(this.tenant().id);
    // Deep links from the site: /start?offering=…, ?specialty=… (its first offering), ?physician=….
    const fromSpecialty = query.specialty ? catalog.offerings.find((o) => o.specialtySlug === query.specialty)?.slug : undefined;
    const values = choiceValues(this.cookie.read(req));
    if (query.offering || fromSpecialty) values.offering = query.offering ?? fromSpecialty;
    if (query.physician) values.physician = query.physician;
    return this.choiceStep.model(values, '/start');
  }

  @Public()
  @Post()
  @Form('intake/start-choice', { presenter: ChoiceStep, title: 'intake.start.title' })
  async choose(@Body() body: FormBody, @Res({ passthrough: true }) reply: FastifyReply): Promise<Redirect> {
    const choice = readChoice(body);
    await this.planner.plan(this.tenant(), choice, this.context.locale());
    this.cookie.set(reply, choice);
    return redirect('/start/plan');
  }

  /** The route in plain words and the price, before any account is needed. */
  @Public()
  @Get('plan')
  @Page('intake/start-plan', { title: 'intake.start.planTitle' })
  async planPage(@Req() req: FastifyRequest) {
    const choice = this.cookie.read(req);
    const plan = choice && (await this.planner.tryPlan(this.tenant(), choice, this.context.locale()));
    if (!plan) return redirect('/start');
    const actor = this.context.actor();
    return {
      plan: planView(plan, this.tenant(), this.context.locale()),
      signedIn: actor?.kind === 'patient',
      signedInOther: !!actor && actor.kind !== 'patient',
      next: encodeURIComponent('/start/plan'),
    };
  }

  /** Signed in: the choice becomes a draft case of the patient's, and the cookie is spent. */
  @Can('intake.start')
  @Audited({ action: 'case.draft_start', entityType: 'case' })
  @RateLimit('intake')
  @Post('plan')
  async startDraft(@Req() req: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply): Promise<Redirect> {
    const choice = this.cookie.read(req);
    const plan = choice && (await this.planner.tryPlan(this.tenant(), choice, this.context.locale()));
    if (!plan) return redirect('/start');
    if (plan.decision.route === 'declined') return redirect('/start/plan');
    const visitorId = visitorIdFrom(req.headers);
    const c = await this.drafts.start(plan, visitorId);
    if (visitorId) await this.attribution.linkVisitorToCase(visitorId, c.id);
    this.cookie.clear(reply);
    return redirect(`/start/${c.id}/details`);
  }

  private tenant(): ResolvedTenant {
    return this.context.tenant<ResolvedTenant>();
  }
}
