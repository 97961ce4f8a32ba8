import { OperatorDatabase } from '@consilium/core/operator-data';
import { INestApplicationContext } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { EntityManager } from 'typeorm';
import type { TestPeople, TestTenant } from './tenants';

/** One case as a test describes it: what happened, when (UTC instants), and what followed. */
export interface CraftedCase {
  createdAt: string;
  jurisdiction?: string;
  jurisdictionClass?: 'in_state' | 'out_of_state' | 'international';
  physician?: boolean;
  visitorId?: string;
  campaign?: Record<string, string>;
  events?: [type: string, at: string][];
  dueAt?: string;
  quote?: { lines: number[]; addOns: number };
  payment?: { amount: number; funded?: number; captured?: number; refunded?: number };
  opinion?: { agreement: 'confirmed' | 'refined' | 'changed'; treatmentChanged: boolean };
  /** The stipend the ledger accrued at delivery (needs an opinion). */
  stipend?: number;
  /** A paid extra after delivery (a follow-up question), captured. */
  extra?: number;
  conversions?: { kind: 'consult_booked' | 'procedure_scheduled' | 'procedure_done'; value?: number }[];
  checkIns?: { day: 30 | 90; acted: 'yes' | 'partly' | 'no'; satisfaction?: number }[];
}

export interface TenantIds {
  specialtyId: string;
  offeringId: string;
  /** The physician's staff account: what a case's assignment names, and the dashboard's physician filter. */
  physicianId: string;
  rosterPhysicianId: string;
}

export async function tenantIds(app: INestApplicationContext, tenant: TestTenant): Promise<TenantIds> {
  return app.get(OperatorDatabase).forTenant(tenant.id, async (tx) => {
    const [o] = await tx.query(`SELECT id, specialty_id FROM offerings WHERE tenant_id = $1 AND slug = $2`, [
      tenant.id,
      tenant.offeringSlug,
    ]);
    const [p] = await tx.query(`SELECT id, account_id FROM physicians WHERE tenant_id = $1 AND slug = $2`, [
      tenant.id,
      tenant.physicianSlug,
    ]);
    return { specialtyId: o.specialty_id, offeringId: o.id, physicianId: p.account_id, rosterPhysicianId: p.id };
  });
}

export async function insertVisit(
  tx: EntityManager,
  tenantId: string,
  v: { visitorId: string; at: string; utm?: [string, string, string] },
): Promise<void> {
  await tx.query(
    `INSERT INTO visits (tenant_id, visitor_id, landed_at, landing_path, locale, utm_source, utm_medium, utm_campaign) VALUES ($1, $2, $3, '/', 'en', $4, $5, $6)`,
    [tenantId, v.visitorId, v.at, v.utm?.[0] ?? null, v.utm?.[1] ?? null, v.utm?.[2] ?? null],
  );
}

/** Writes a case and everything that followed it straight into the pipeline's tables, as the libs would leave them. */
export async function insertCase(
  tx: EntityManager,
  tenant: TestTenant,
  ids: TenantIds,
  people: TestPeople,
  c: CraftedCase,
): Promise<string> {
  const id = randomUUID();
  const addOnIds = Array.from({ length: c.quote?.addOns ?? 0 }, () => randomUUID());
  const quote = c.quote
    ? {
        currency: 'USD',
        lines: c.quote.lines.map((amount, i) => ({ label: `line ${i}`, amount })),
        subtotal: c.quote.lines.reduce((a, b) => a + b, 0),
        total: c.quote.lines.reduce((a, b) => a + b, 0),
      }
    : null;
  await tx.query(
    `INSERT INTO cases (tenant_id, id, number, state, patient_id, offering_id, add_on_ids, jurisdiction, jurisdiction_class, route, assigned_physician_id,
       visitor_id, campaign, quote, due_at, created_at)
     VALUES ($1, $2, $3, 'draft', $4, $5, $6, $7, $8, 'direct', $9, $10, $11, $12, $13, $14)`,
    [
      tenant.id,
      id,
      `T-${id.slice(0, 8)}`,
      people.patient.id,
      ids.offeringId,
      addOnIds,
      c.jurisdiction ?? null,
      c.jurisdictionClass ?? null,
      c.physician ? ids.physicianId : null,
      c.visitorId ?? null,
      c.campaign ?? null,
      quote,
      c.dueAt ?? null,
      c.createdAt,
    ],
  );
  const events: [string, string][] = [['draft_started', c.createdAt], ...(c.events ?? [])];
  for (const [seq, [type, at]] of events.entries()) {
    await tx.query(
      `INSERT INTO case_events (tenant_id, case_id, seq, type, actor_kind, occurred_at) VALUES ($1, $2, $3, $4, 'system', $5)`,
      [tenant.id, id, seq + 1, type, at],
    );
  }
  if (c.payment) {
    const p = c.payment;
    const captured = p.captured ?? 0;
    await tx.query(
      `INSERT INTO payments (tenant_id, case_id, patient_id, attempt, provider, currency, amount_minor, funded_minor, authorized_minor, captured_minor, refunded_minor, status, captured_at)
       VALUES ($1, $2, $3, 1, 'demo', 'USD', $4, $5, $4, $6, $7, $8, $9)`,
      [
        tenant.id,
        id,
        people.patient.id,
        p.amount,
        p.funded ?? 0,
        captured,
        p.refunded ?? 0,
        captured ? (p.refunded ? 'partially_refunded' : 'captured') : 'authorized',
        captured ? c.createdAt : null,
      ],
    );
  }
  if (c.opinion) {
    const [opinion] = await tx.query(
      `INSERT INTO opinions (tenant_id, case_id, version, status, diagnosis_agreement, treatment_changed, author_id, signed_by, signed_at)
       VALUES ($1, $2, 1, 'signed', $3, $4, $5, $5, now()) RETURNING id`,
      [tenant.id, id, c.opinion.agreement, c.opinion.treatmentChanged, people.physician.id],
    );
    if (c.stipend !== undefined) {
      await tx.query(
        `INSERT INTO stipend_entries (tenant_id, case_id, opinion_id, physician_id, amount_minor, currency, accrued_on) VALUES ($1, $2, $3, $4, $5, 'USD', '2026-02-01')`,
        [tenant.id, id, opinion.id, ids.rosterPhysicianId, c.stipend],
      );
    }
  }
  if (c.extra !== undefined) {
    const [extra] = await tx.query(
      `INSERT INTO case_extras (tenant_id, case_id, kind, currency, price_minor, status, paid_at) VALUES ($1, $2, 'follow_up', 'USD', $3, 'paid', now()) RETURNING id`,
      [tenant.id, id, c.extra],
    );
    await tx.query(
      `INSERT INTO payments (tenant_id, case_id, patient_id, attempt, provider, currency, amount_minor, authorized_minor, captured_minor, status, captured_at, purpose, extra_id)
       VALUES ($1, $2, $3, 2, 'demo', 'USD', $4, $4, $4, 'captured', now(), 'extra', $5)`,
      [tenant.id, id, people.patient.id, c.extra, extra.id],
    );
  }
  for (const k of c.conversions ?? []) {
    await tx.query(
      `INSERT INTO conversions (tenant_id, case_id, kind, occurred_on, value_minor, currency, recorded_by) VALUES ($1, $2, $3, '2026-04-01', $4, $5, $6)`,
      [tenant.id, id, k.kind, k.value ?? null, k.value === undefined ? null : 'USD', people.coordinator.id],
    );
  }
  for (const k of c.checkIns ?? []) {
    await tx.query(
      `INSERT INTO case_check_ins (tenant_id, case_id, day, due_on, answered_at, acted_on_advice, satisfaction) VALUES ($1, $2, $3, '2026-05-01', now(), $4, $5)`,
      [tenant.id, id, k.day, k.acted, k.satisfaction ?? null],
    );
  }
  return id;
}

/** Cells of one dashboard table, as text, row by row (the header row excluded). */
export function tableCells(html: string, id: string): string[][] {
  const table = new RegExp(`<table data-table="${id}">([\\s\\S]*?)</table>`).exec(html)?.[1];
  if (!table) throw new Error(`no table ${id} on the page`);
  const body = /<tbody>([\s\S]*?)<\/tbody>/.exec(table)![1];
  return [...body.matchAll(/<tr>([\s\S]*?)<\/tr>/g)].map((row) =>
    [...row[1].matchAll(/<t[hd][^>]*>([\s\S]*?)<\/t[hd]>/g)].map((cell) => decode(cell[1].trim())),
  );
}

function decode(s: string): string {
  return s
    .replace(/&#x27;|&#39;/g, "'")
    .replace(/&quot;/g, '"')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&#x3D;/g, '=')
    .replace(/&#x2F;/g, '/')
    .replace(/&amp;/g, '&');
}
