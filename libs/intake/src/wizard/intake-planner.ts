import { Injectable } from '@nestjs/common';
import { FundingBudgets, FundingProgramRecord, FundingProgramsService, coveredAmount } from '@consilium/billing';
import { Quote, RoutingDecision, routeCase } from '@consilium/cases';
import { CatalogReader, CatalogSnapshot, OfferingRecord, regionalPrice, SpecialtyRecord } from '@consilium/catalog';
import { FieldProblems, InvalidInput, msg, TenantDatabase, todayIn, Translator } from '@consilium/core';
import { RosterReader, staffedSpecialtyIds } from '@consilium/roster';
import { isJurisdiction, jurisdictionName, localize, priceRegionFor, PriceRegion, ResolvedTenant } from '@consilium/tenancy';

/** The first step's answers: what the patient asks for and where they are. Nothing clinical. */
export interface IntakeChoice {
  offering: string;
  addOns: string[];
  jurisdiction: string;
  /** A physician's slug, when the patient came from a physician's page. */
  physician?: string;
}

export interface IntakePlan {
  choice: IntakeChoice;
  offering: OfferingRecord;
  specialty: SpecialtyRecord;
  addOnIds: string[];
  jurisdictionName: string;
  region: PriceRegion;
  decision: RoutingDecision;
  requestedPhysicianId?: string;
  requestedPhysicianName?: string;
  /** The price before funding, line by line, in the patient's language. */
  quote: Quote;
  /** With the translation add-on: the language the opinion is to be translated into (the one of this intake). */
  translationLocale?: string;
}

/** The first step's answers a draft case holds, read back against the catalog. */
export function choiceOf(
  c: { offeringId: string | null; addOnIds: string[]; jurisdiction: string | null },
  catalog: CatalogSnapshot,
): IntakeChoice {
  const offering = catalog.offerings.find((o) => o.id === c.offeringId);
  return {
    offering: offering?.slug ?? '',
    addOns: offering ? offering.addOns.filter((a) => c.addOnIds.includes(a.id)).map((a) => a.code) : [],
    jurisdiction: c.jurisdiction ?? '',
  };
}

/** The opinion's translation is for a patient whose language is not the one the hospital's physicians write in. */
export function translationOffered(locale: string, hospitalLocale: string): boolean {
  return locale.split('-')[0] !== hospitalLocale.split('-')[0];
}

/** A funding program a patient may choose for this offering, with what it would pay. */
export interface FundingOption {
  program: FundingProgramRecord;
  name: string;
  description: string;
  eligibility?: string;
  /** A sponsor's code is asked for at checkout (billing checks it). */
  needsCode: boolean;
  covers: number;
}

/**
 * Turns the patient's choice into a plan: the offering and add-ons from the catalog, the licensure route from the
 * roster and the hospital's policy (the pipeline's `routeCase`, decided on the hospital's today), and the price from
 * the price rules. Funding is offered against that price. Everything read here is the tenant's cached snapshot.
 */
@Injectable()
export class IntakePlanner {
  constructor(
    private readonly catalog: CatalogReader,
    private readonly roster: RosterReader,
    private readonly funding: FundingProgramsService,
    private readonly budgets: FundingBudgets,
    private readonly db: TenantDatabase,
    private readonly translator: Translator,
  ) {}

  /** What is wrong with a choice against today's catalog, beside each field (nothing when it can be planned). */
  async problems(tenant: ResolvedTenant, choice: IntakeChoice): Promise<FieldProblems> {
    const catalog = await this.catalog.snapshot(tenant.id);
    const errors: FieldProblems = {};
    const offering = catalog.offerings.find((o) => o.slug === choice.offering);
    if (!offering) errors.offering = msg('intake.form.offering');
    else if (!(await this.staffedSpecialties(tenant)).has(offering.specialtyId)) errors.offering = msg('intake.form.offeringUnavailable');
    const unknownAddOn = offering && choice.addOns.find((code) => !offering.addOns.some((a) => a.code === code));
    if (unknownAddOn) errors.add_ons = msg('intake.form.addOnGone');
    if (!isJurisdiction(choice.jurisdiction))
      errors.jurisdiction = msg(choice.jurisdiction === 'other' ? 'intake.form.country' : 'intake.form.place');
    return errors;
  }

  /** Specialties a physician can take a case in today: the first step offers only these (staffedSpecialtyIds). */
  async staffedSpecialties(tenant: ResolvedTenant, now = new Date()): Promise<Set<string>> {
    const { physicians } = await this.roster.snapshot(tenant.id);
    return staffedSpecialtyIds(physicians, todayIn(tenant.timeZone, now));
  }

  /** The plan of a choice, or undefined when the catalog no longer has what it names (the patient chooses again). */
  async tryPlan(tenant: ResolvedTenant, choice: IntakeChoice, locale: string): Promise<IntakePlan | undefined> {
    return Object.keys(await this.problems(tenant, choice)).length ? undefined : this.plan(tenant, choice, locale);
  }

  async plan(tenant: ResolvedTenant, choice: IntakeChoice, locale: string, now = new Date()): Promise<IntakePlan> {
    const errors = await this.problems(tenant, choice);
    if (Object.keys(errors).length) throw new InvalidInput(errors);
    const catalog = await this.catalog.snapshot(tenant.id);
    const offering = catalog.offerings.find((o) => o.slug === choice.offering);
    const chosen = offering!;
    const translation = chosen.addOns.find((a) => a.translation && choice.addOns.includes(a.code));
    if (translation && !translationOffered(locale, tenant.defaultLocale))
      throw new InvalidInput({ add_ons: msg('intake.form.translationSameLanguage') });
    const specialty = catalog.specialties.find((s) => s.id === chosen.specialtyId)!;
    const { physicians } = await this.roster.snapshot(tenant.id);
    const requested = choice.physician ? physicians.find((p) => p.slug === choice.physician) : undefined;
    const decision = routeCase({
      jurisdiction: choice.jurisdiction,
      homeJurisdiction: tenant.settings.homeJurisdiction ?? '',
      specialtyId: chosen.specialtyId,
      excludedJurisdictions: chosen.exclusions.jurisdictions,
      physicians: physicians.map((p) => ({
        id: p.id,
        name: p.name,
        specialtyIds: p.specialtyIds,
        acceptingCases: p.acceptingNewCases,
        licenses: p.licenses.map((l) => ({ jurisdiction: l.jurisdiction, expiresOn: l.expiresOn })),
      })),
      policy: { unlicensedState: tenant.settings.licensure.unlicensedStates, international: tenant.settings.licensure.international },
      today: todayIn(tenant.timeZone, now),
      requestedPhysicianId: requested?.id,
    });

    const region = priceRegionFor(choice.jurisdiction, tenant.settings.homeJurisdiction);
    const rule = catalog.priceRules.find((r) => r.region === region);
    const base = chosen.priceMinor;
    const regional = regionalPrice(base, rule);
    const lines = [{ label: localize(chosen.name, locale, tenant.defaultLocale) ?? chosen.slug, amount: base }];
    if (regional !== base)
      lines.push({
        label: localize(rule?.note, locale, tenant.defaultLocale) ?? this.regionLabel(region, tenant, locale),
        amount: regional - base,
      });
    const addOns = choice.addOns.map((code) => chosen.addOns.find((a) => a.code === code)!);
    for (const a of addOns) lines.push({ label: localize(a.name, locale, tenant.defaultLocale) ?? a.code, amount: a.priceMinor });
    const subtotal = lines.reduce((sum, l) => sum + l.amount, 0);

    return {
      choice,
      offering: chosen,
      specialty,
      addOnIds: addOns.map((a) => a.id),
      jurisdictionName: jurisdictionName(choice.jurisdiction, locale),
      region,
      decision,
      requestedPhysicianId: requested?.id,
      requestedPhysicianName: requested?.name,
      quote: { currency: chosen.currency, lines, subtotal, total: subtotal },
      ...(translation ? { translationLocale: locale } : {}),
    };
  }

  /** Programs this offering may use: active, same currency, for its specialty or any, with budget left to cover it. */
  async fundingOptions(tenant: ResolvedTenant, plan: Pick<IntakePlan, 'offering' | 'quote'>, locale: string): Promise<FundingOption[]> {
    return this.db.forTenant(tenant.id, async (tx) => {
      const programs = await this.funding.list(tx, tenant.id);
      const remaining = new Map((await this.budgets.report(tx)).map((r) => [r.programId, r.remainingMinor]));
      return programs
        .filter((p) => p.currency === plan.quote.currency && (!p.specialtyId || p.specialtyId === plan.offering.specialtyId))
        .map((program) => ({
          program,
          name: localize(program.name, locale, tenant.defaultLocale) ?? program.slug,
          description: localize(program.description, locale, tenant.defaultLocale) ?? '',
          eligibility: program.access === 'eligibility' ? localize(program.eligibility, locale, tenant.defaultLocale) : undefined,
          needsCode: program.access === 'code',
          covers: coveredAmount(program, plan.quote.subtotal),
        }))
        .filter((o) => o.covers > 0 && (remaining.get(o.program.id) ?? 0) >= o.covers);
    });
  }

  /** The price rule's line when it has no note of its own: the catalog's words for the region. */
  private regionLabel(region: PriceRegion, tenant: ResolvedTenant, locale: string): string {
    if (region === 'in_state' && tenant.settings.homeJurisdiction) {
      return this.translator.t('catalog.region.in_state', locale, { state: jurisdictionName(tenant.settings.homeJurisdiction, locale) });
    }
    return this.translator.t(region === 'in_state' ? 'catalog.region.in_state.plain' : `catalog.region.${region}`, locale);
  }

  /** The quote with a funding program applied: what the patient pays is the rest. */
  withFunding(quote: Quote, option: FundingOption | undefined): Quote {
    if (!option) return { ...quote, funding: undefined, total: quote.subtotal };
    return {
      ...quote,
      funding: { programId: option.program.id, name: option.name, amount: option.covers },
      total: quote.subtotal - option.covers,
    };
  }
}
