import { Injectable } from '@nestjs/common';
import { AppConfig, rows, TenantDatabase, todayIn } from '@consilium/core';
import { CatalogReader } from '@consilium/catalog';
import { RosterReader, staffedSpecialtyIds } from '@consilium/roster';
import { ResolvedTenant } from '@consilium/tenancy';

export const LAUNCH_ITEMS = ['brand', 'contact', 'staffed', 'prices', 'consents', 'payments', 'test_request'] as const;
export type LaunchItem = (typeof LAUNCH_ITEMS)[number];

export interface LaunchChecklist {
  items: { item: LaunchItem; done: boolean; fixAt?: string }[];
  ready: boolean;
}

/**
 * What a hospital needs before its site opens to patients: its brand and contact, at least one offering a physician
 * can take today at a price, consent texts, a payments account that can charge, and one request walked end to end
 * (with the demo card in the demo, Stripe's test card otherwise). Each item says where the admin fixes it. Other
 * libs' tables are only read here, in the hospital's own transaction.
 */
@Injectable()
export class LaunchChecklistService {
  constructor(
    private readonly db: TenantDatabase,
    private readonly config: AppConfig,
    private readonly catalog: CatalogReader,
    private readonly roster: RosterReader,
  ) {}

  async for(tenant: ResolvedTenant): Promise<LaunchChecklist> {
    const [catalog, { physicians }] = await Promise.all([this.catalog.snapshot(tenant.id), this.roster.snapshot(tenant.id)]);
    const staffed = staffedSpecialtyIds(physicians, todayIn(tenant.timeZone));
    const selling = catalog.offerings.filter((o) => staffed.has(o.specialtyId));
    const { account, walked } = await this.db.forTenant(tenant.id, async (tx) => {
      const [charges] = await rows<{ charges_enabled: boolean }>(
        tx,
        'SELECT charges_enabled FROM tenant_payment_accounts WHERE tenant_id = $1',
        [tenant.id],
      );
      const [paid] = await rows<{ one: number }>(
        tx,
        `SELECT 1 AS one FROM payments WHERE tenant_id = $1 AND (status IN ('authorized', 'captured') OR provider = 'none') LIMIT 1`,
        [tenant.id],
      );
      return { account: charges, walked: !!paid };
    });
    const demoPayments = this.config.standIns.includes('payments');
    const contact = tenant.profile.contact;
    const done: Record<LaunchItem, boolean> = {
      brand: !!tenant.branding.logo,
      contact: !!contact?.phone && !!contact?.email,
      staffed: selling.length > 0,
      prices: selling.length > 0 && selling.every((o) => o.priceMinor > 0),
      // The platform's consent texts apply until the hospital writes its own: never missing.
      consents: true,
      payments: demoPayments || !!account?.charges_enabled,
      test_request: walked,
    };
    const fixAt: Partial<Record<LaunchItem, string>> = {
      brand: '/console/branding',
      contact: '/console/branding',
      staffed: '/console/roster',
      prices: '/console/catalog',
      test_request: '/start',
    };
    const items = LAUNCH_ITEMS.map((item) => ({ item, done: done[item], fixAt: done[item] ? undefined : fixAt[item] }));
    return { items, ready: items.every((i) => i.done) };
  }
}
