import { addDays, daysIn, daysInMonth, monthStart, nextMonth, Period, proratedMonthlyCost } from './period';
import type { Measures } from './rollups/metrics-reader';

/** A contribution margin when the hospital has set none for a specialty: 30%, stated on the page beside the line. */
export const DEFAULT_MARGIN_BPS = 3000;
/** Card processing when the hospital has set none: Stripe's published US card price, 2.9% + 30 cents a payment. */
export const DEFAULT_PAYMENT_FEE = { bps: 290, fixedMinor: 30 };
/** An average month, for payback: a year's days over twelve. */
const MONTH_DAYS = 365.25 / 12;

export interface ContributionSettings {
  monthlyCostMinor: number;
  /** Per specialty id: what a procedure recorded without a value is worth, in minor units. */
  procedureEstimates: Record<string, number>;
  /** Per specialty id: contribution margin in basis points (3000 = 30%). */
  margins: Record<string, number>;
  paymentFeeBps: number;
  paymentFeeFixedMinor: number;
}

export interface SpendRow {
  campaign: string;
  /** First day of the month. */
  month: string;
  amountMinor: number;
}

export interface ContributionInput {
  period: Period;
  /** The filtered view's measures, in total and by specialty. */
  total: Measures;
  bySpecialty: Record<string, Measures>;
  /** Cases started in the period with no filter: the base that the program cost is shared by. */
  startedAll: number;
  filtered: boolean;
  settings: ContributionSettings;
  spend: SpendRow[];
}

/** Every line of the statement, in minor units; each is computed once here and only shown elsewhere. */
export interface Contribution {
  grossMinor: number;
  refundsMinor: number;
  platformFeeMinor: number;
  paymentFeesMinor: number;
  capturedPayments: number;
  netRevenueMinor: number;
  extrasMinor: number;
  fundedMinor: number;
  recordedValueMinor: number;
  recordedContributionMinor: number;
  unvaluedProcedures: number;
  estimatedValueMinor: number;
  estimatedContributionMinor: number;
  fixedCostMinor: number;
  campaignSpendMinor: number;
  /** Share of the period's cases in the filtered view (0..1), or null when unfiltered (nothing is shared out). */
  share: number | null;
  /** The fixed cost and campaign spend this view carries: whole, or its share of cases. */
  fixedSharedMinor: number;
  campaignSharedMinor: number;
  stipendsMinor: number;
  programCostMinor: number;
  netContributionMinor: number;
  /** Net contribution over program cost, in percent; null with no cost. */
  returnOnCost: number | null;
  /** Months of the period's contribution it takes to pay its program cost; null when it never does. */
  paybackMonths: number | null;
}

/** Campaign spend spread over the days of the period in each month, like the monthly cost. */
export function spendInPeriod(spend: SpendRow[], period: Period, campaign?: string): number {
  let total = 0;
  // A canonical order: floating-point sums then round the same way whatever order the rows came in.
  const ordered = [...spend].sort((a, b) => a.month.localeCompare(b.month) || a.campaign.localeCompare(b.campaign));
  for (const row of ordered) {
    if (campaign !== undefined && row.campaign !== campaign) continue;
    const m = monthStart(row.month);
    const last = addDays(nextMonth(m), -1);
    const from = m < period.from ? period.from : m;
    const to = last > period.to ? period.to : last;
    if (from > to) continue;
    total += (row.amountMinor * daysIn({ from, to })) / daysInMonth(m);
  }
  return Math.round(total);
}

const marginOf = (settings: ContributionSettings, specialtyId: string) => settings.margins[specialtyId] ?? DEFAULT_MARGIN_BPS;

/**
 * The money section as a contribution statement: what the opinions brought net of refunds and fees, what the visits
 * and procedures after them contribute (value x margin; recorded and estimated apart), and what the program cost.
 * A filtered view carries the stipends of its own cases and a share of the fixed cost and campaign spend equal to
 * its share of the period's cases.
 */
export function contribution(input: ContributionInput): Contribution {
  const { total: m, settings } = input;
  const grossMinor = m.captured_minor;
  const refundsMinor = m.refunded_minor;
  const platformFeeMinor = m.platform_fee_minor;
  const paymentFeesMinor = Math.round((grossMinor * settings.paymentFeeBps) / 10000) + m.captured_payments * settings.paymentFeeFixedMinor;
  const netRevenueMinor = grossMinor - refundsMinor - platformFeeMinor - paymentFeesMinor;

  let recordedValue = 0;
  let recordedContribution = 0;
  let unvalued = 0;
  let estimatedValue = 0;
  let estimatedContribution = 0;
  for (const [id, x] of Object.entries(input.bySpecialty).sort(([a], [b]) => a.localeCompare(b))) {
    const margin = marginOf(settings, id) / 10000;
    const recorded = x.procedure_value_minor + x.consult_value_minor;
    const estimated = x.procedures_unvalued * (settings.procedureEstimates[id] ?? 0);
    recordedValue += recorded;
    recordedContribution += recorded * margin;
    unvalued += x.procedures_unvalued;
    estimatedValue += estimated;
    estimatedContribution += estimated * margin;
  }

  const fixedCostMinor = proratedMonthlyCost(settings.monthlyCostMinor, input.period);
  const campaignSpendMinor = spendInPeriod(input.spend, input.period);
  const share = input.filtered ? (input.startedAll > 0 ? m.started / input.startedAll : 0) : null;
  const fixedSharedMinor = Math.round(fixedCostMinor * (share ?? 1));
  const campaignSharedMinor = Math.round(campaignSpendMinor * (share ?? 1));
  const stipendsMinor = m.stipends_minor;
  const programCostMinor = fixedSharedMinor + campaignSharedMinor + stipendsMinor;

  const recordedContributionMinor = Math.round(recordedContribution);
  const estimatedContributionMinor = Math.round(estimatedContribution);
  const before = netRevenueMinor + m.extras_minor + recordedContributionMinor + estimatedContributionMinor;
  const netContributionMinor = before - programCostMinor;
  const perMonth = before / (daysIn(input.period) / MONTH_DAYS);
  return {
    grossMinor,
    refundsMinor,
    platformFeeMinor,
    paymentFeesMinor,
    capturedPayments: m.captured_payments,
    netRevenueMinor,
    extrasMinor: m.extras_minor,
    fundedMinor: m.funded_minor,
    recordedValueMinor: recordedValue,
    recordedContributionMinor,
    unvaluedProcedures: unvalued,
    estimatedValueMinor: estimatedValue,
    estimatedContributionMinor,
    fixedCostMinor,
    campaignSpendMinor,
    share,
    fixedSharedMinor,
    campaignSharedMinor,
    stipendsMinor,
    programCostMinor,
    netContributionMinor,
    returnOnCost: programCostMinor > 0 ? Math.round((netContributionMinor / programCostMinor) * 1000) / 10 : null,
    paybackMonths: programCostMinor === 0 ? 0 : perMonth > 0 ? Math.round((programCostMinor / perMonth) * 10) / 10 : null,
  };
}
