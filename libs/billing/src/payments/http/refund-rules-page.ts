import { Injectable } from '@nestjs/common';
import { field, FormPresenter, NotFound, RefusedForm, RequestContext } from '@consilium/core';
import { CatalogReader } from '@consilium/catalog';
import { LateRefundRule, localize, ResolvedTenant, TenantSettings } from '@consilium/tenancy';
import { z } from 'zod';

type Values = Record<string, string | string[]>;

/** One late-refund rule, as on the brand page: from `days` business days late, `percent` of what was paid. */
const lateRefund = z.object({
  days: field.whole(0, 365, { message: 'payments.refundRules.daysInvalid' }),
  percent: field.whole(1, 100, { message: 'payments.refundRules.percentInvalid' }),
});

/**
 * An offering's own late-refund rules: either the hospital's (nothing of its own), or a list of its own, which may be
 * empty (this offering never refunds by lateness). Returns the hospital's settings with that one offering changed.
 */
export function offeringRefundForm(settings: TenantSettings, slug: string) {
  return z
    .object({
      own: field.choice(['hospital', 'own'], 'payments.refundRules.chooseSource'),
      late_refund: field.rows(lateRefund),
    })
    .transform((form): TenantSettings => {
      const offerings = { ...(settings.refunds?.offerings ?? {}) };
      if (form.own === 'own')
        offerings[slug] = {
          late: form.late_refund.map((r) => ({ afterDays: r.days, percent: r.percent })).sort((x, y) => x.afterDays - y.afterDays),
        };
      else delete offerings[slug];
      const late = settings.refunds?.late ?? [];
      const next: TenantSettings = { ...settings };
      if (late.length || Object.keys(offerings).length) next.refunds = { late, offerings };
      else delete next.refunds;
      return next;
    });
}

/** The refund rules console: the hospital's rules (edited on the brand page) and each offering's, own or inherited. */
@Injectable()
export class RefundRulesPage implements FormPresenter {
  constructor(
    private readonly catalog: CatalogReader,
    private readonly context: RequestContext,
  ) {}

  /** `saved`: the slug of the offering just saved (its name is said back). */
  async list(saved?: string): Promise<Record<string, unknown>> {
    const tenant = this.tenant();
    const { offerings } = await this.catalog.snapshot(tenant.id);
    const own = tenant.settings.refunds?.offerings ?? {};
    const savedOffering = offerings.find((o) => o.slug === saved);
    return {
      saved: savedOffering && localize(savedOffering.name, this.context.locale(), tenant.defaultLocale),
      hospital: rulesShown(tenant.settings.refunds?.late ?? []),
      offerings: offerings.map((o) => ({
        slug: o.slug,
        name: localize(o.name, this.context.locale(), tenant.defaultLocale),
        own: !!own[o.slug],
        rules: rulesShown(own[o.slug]?.late ?? []),
      })),
    };
  }

  /** The edit form of one offering (404 for a slug this hospital does not sell). */
  async show(slug: string): Promise<Record<string, unknown>> {
    const rules = this.tenant().settings.refunds?.offerings?.[slug]?.late;
    const values: Values = {
      own: rules ? 'own' : 'hospital',
      ...Object.fromEntries(
        (rules ?? []).flatMap((r, i) => [
          [`late_refund_${i}_days`, String(r.afterDays)],
          [`late_refund_${i}_percent`, String(r.percent)],
        ]),
      ),
    };
    return this.model(slug, values, {});
  }

  async refused({ values, errors, params }: RefusedForm): Promise<Record<string, unknown>> {
    return this.model(String(params?.slug ?? ''), values, errors);
  }

  /** The offering's slug when this hospital sells it; NotFound otherwise. */
  async offering(slug: string): Promise<{ slug: string; name: string }> {
    const tenant = this.tenant();
    const found = (await this.catalog.snapshot(tenant.id)).offerings.find((o) => o.slug === slug);
    if (!found) throw new NotFound();
    return { slug: found.slug, name: localize(found.name, this.context.locale(), tenant.defaultLocale) ?? found.slug };
  }

  private async model(slug: string, values: Values, errors: Record<string, string>): Promise<Record<string, unknown>> {
    const offering = await this.offering(slug);
    // The rows typed (or saved), and one blank row to add a rule.
    const used = [...new Set(Object.keys(values).flatMap((k) => /^late_refund_(\d+)_/.exec(k)?.[1] ?? []))]
      .map(Number)
      .sort((a, b) => a - b);
    const refundRows = [...used, used.length ? Math.max(...used) + 1 : 0].map((i, n) => ({
      number: n + 1,
      days: `late_refund_${i}_days`,
      percent: `late_refund_${i}_percent`,
    }));
    return { offering, hospital: rulesShown(this.tenant().settings.refunds?.late ?? []), refundRows, values, errors };
  }

  private tenant(): ResolvedTenant {
    return this.context.tenant<ResolvedTenant>();
  }
}

function rulesShown(rules: LateRefundRule[]): { afterDays: number; percent: number }[] {
  return [...rules].sort((a, b) => a.afterDays - b.afterDays).map((r) => ({ afterDays: r.afterDays, percent: r.percent }));
}
