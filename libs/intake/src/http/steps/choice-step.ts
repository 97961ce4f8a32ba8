import { Injectable } from '@nestjs/common';
import { CatalogReader } from '@consilium/catalog';
import { FormPresenter, RefusedForm, RequestContext } from '@consilium/core';
import { localize, ResolvedTenant } from '@consilium/tenancy';
import { IntakeDrafts } from '../../wizard/intake-drafts.service';
import { choiceValues, placeOptions, readChoice } from '../../wizard/intake-form';
import { choiceOf, IntakePlanner, translationOffered } from '../../wizard/intake-planner';
import { draftView, planView } from './draft-view';

/**
 * The first step's page (what to ask for, where the patient lives), before any account at /start and for a
 * draft at /start/:id/choice: the hospital's specialties with their offerings and extras, and the places.
 */
@Injectable()
export class ChoiceStep implements FormPresenter {
  constructor(
    private readonly catalog: CatalogReader,
    private readonly planner: IntakePlanner,
    private readonly drafts: IntakeDrafts,
    private readonly context: RequestContext,
  ) {}

  /** The page for `values`; a draft's page has its steps. */
  async model(values: Record<string, unknown>, action: string, draftId?: string): Promise<Record<string, unknown>> {
    const tenant = this.context.tenant<ResolvedTenant>();
    const locale = this.context.locale();
    const catalog = await this.catalog.snapshot(tenant.id);
    // A specialty no physician can take a case in today is not offered, rather than refused after this step.
    const staffed = await this.planner.staffedSpecialties(tenant);
    const name = (text: Parameters<typeof localize>[0]) => localize(text, locale, tenant.defaultLocale);
    const specialties = catalog.specialties
      .filter((s) => staffed.has(s.id))
      .map((s) => ({
        name: name(s.name),
        offerings: catalog.offerings
          .filter((o) => o.specialtyId === s.id)
          .map((o) => ({
            slug: o.slug,
            name: name(o.name),
            description: name(o.description),
            priceMinor: o.priceMinor,
            currency: o.currency,
            turnaround: o.turnaroundBusinessDays,
            followUps: o.followUpQuestions,
            // The translation of the opinion is offered only to a patient who reads another language than the
            // hospital's physicians write in (its default language).
            addOns: o.addOns
              .filter((a) => !a.translation || translationOffered(locale, tenant.defaultLocale))
              .map((a) => ({
                code: a.code,
                name: name(a.name),
                description: name(a.description),
                priceMinor: a.priceMinor,
                currency: o.currency,
              })),
          })),
      }))
      .filter((s) => s.offerings.length);
    let draft;
    if (draftId) {
      const { c, progress } = await this.drafts.draft(draftId);
      draft = draftView(c, progress, 'choice');
    }
    return { specialties, places: placeOptions(locale), values, action, draft };
  }

  /** A refused choice, as typed; on a draft, a place where the hospital gives no opinion says so (nothing saved). */
  async refused({ values, action, params }: RefusedForm): Promise<Record<string, unknown>> {
    const model = await this.model(choiceValues(readChoice(values)), action, params.id);
    if (!params.id) return model;
    const tenant = this.context.tenant<ResolvedTenant>();
    const plan = await this.planner.tryPlan(tenant, readChoice(values), this.context.locale());
    if (plan?.decision.route === 'declined') model.declined = planView(plan, tenant, this.context.locale());
    return model;
  }

  /** The draft's first step as saved. */
  async saved(id: string): Promise<Record<string, unknown>> {
    const { c } = await this.drafts.draft(id);
    const choice = choiceOf(c, await this.catalog.snapshot(c.tenantId));
    return this.model(choiceValues(choice), `/start/${id}/choice`, id);
  }
}
