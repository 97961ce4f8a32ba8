import { Case } from '@consilium/cases';
import { localize, ResolvedTenant } from '@consilium/tenancy';
import type { IntakeProgress, IntakeStep } from '../../wizard/intake-drafts.service';
import type { IntakePlan } from '../../wizard/intake-planner';

const STEPS: IntakeStep[] = ['choice', 'details', 'physician', 'consents', 'review'];

/** The route in plain words, by key, with the place and price: the plan page, the review and a refused choice. */
export function planView(plan: IntakePlan, tenant: ResolvedTenant, locale: string) {
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

/** Where the patient is in their draft: each step (the physician's only when the route needs one), done or not. */
export function draftView(c: Case, progress: IntakeProgress, current: IntakeStep) {
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
