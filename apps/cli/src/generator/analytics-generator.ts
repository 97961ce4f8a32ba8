import { one, rows } from '@consilium/core';
import { EntityManager } from 'typeorm';

export interface GenerateOptions {
  tenantId: string;
  cases: number;
  /** How far back the history goes (cases grow denser towards today, as a program grows). */
  days?: number;
  /** Landings that never start an intake, per case. */
  visitsPerCase?: number;
  /** Most messages exchanged on a submitted case (uniform from 0): 4 gives about 9 events per case. */
  maxMessages?: number;
  /** Same seed, same data (given the same tenant setup). */
  seed?: number;
  batchSize?: number;
  now?: Date;
  onProgress?: (done: number, total: number) => void;
}

export interface GenerateReport {
  cases: number;
  events: number;
  visits: number;
  payments: number;
  opinions: number;
  conversions: number;
  referrals: number;
  checkIns: number;
  stipends: number;
}

/** Runs work in one transaction of a tenant (TenantDatabase.forTenant: row-level security applies to every row written). */
export type ForTenant = <T>(tenantId: string, work: (tx: EntityManager) => Promise<T>) => Promise<T>;

/** What each bulk INSERT ... RETURNING answers: how many rows it wrote. */
type Count = { n: number };

const STATES = [
  'US-CA',
  'US-TX',
  'US-FL',
  'US-NY',
  'US-PA',
  'US-OH',
  'US-GA',
  'US-NC',
  'US-MI',
  'US-NJ',
  'US-VA',
  'US-WA',
  'US-AZ',
  'US-MA',
  'US-TN',
  'US-IN',
  'US-WI',
  'US-CO',
  'US-MN',
  'US-IL',
];
const COUNTRIES = ['MX', 'CA', 'CO', 'PE', 'GT', 'DO', 'EC', 'GB', 'SA', 'AE', 'NG', 'IN'];
// Campaign tags: source, medium, campaign. Earlier entries are picked more often.
const CAMPAIGNS = [
  ['google', 'cpc', 'second-opinion'],
  ['facebook', 'paid-social', 'cancer-awareness'],
  ['newsletter', 'email', 'monthly'],
  ['google', 'cpc', 'spine-surgery'],
  ['referral-partners', 'referral', 'employers'],
  ['instagram', 'paid-social', 'heart-month'],
  ['bing', 'cpc', 'second-opinion'],
  ['podcast', 'audio', 'health-hour'],
];

/**
 * Fills a hospital with synthetic cases and what follows them: visits (with campaign tags), the case events of every
 * step through the state machine (plus consents, quotes, messages, record requests), payments (authorized, captured,
 * released, refunded, partly funded), signed opinions, conversions with values, and 30/90-day check-ins. Rates and
 * delays follow what second-opinion programs report: about 6 in 10 intakes submitted, 1 in 10 declined, opinions in
 * 2-10 days, outcomes near the published references, a third booking a consult. Written in set-based batches, so a
 * million cases take minutes. Uses the hospital's own offerings, add-ons and physicians; nothing here is PHI.
 *
 * A tool of the CLI, not of a lib: it writes the tables of six domains (cases, billing, opinions, conversions,
 * check-ins, visits) that no production code may write for another. It writes them in SQL rather than through their
 * owners' services on purpose: a million cases through the services one by one take hours (`npm run bench:analytics`
 * generates them in minutes), and the rows it writes are the owners' final states, not moves to replay. Only in one
 * hospital's transaction at a time, on the runtime role.
 */
export class AnalyticsGenerator {
  constructor(private readonly forTenant: ForTenant) {}

  async generate(options: GenerateOptions): Promise<GenerateReport> {
    const { tenantId } = options;
    const days = options.days ?? 730;
    const now = options.now ?? new Date();
    const batchSize = options.batchSize ?? 20000;
    const report: GenerateReport = {
      cases: 0,
      events: 0,
      visits: 0,
      payments: 0,
      opinions: 0,
      conversions: 0,
      referrals: 0,
      checkIns: 0,
      stipends: 0,
    };
    const ref = await this.forTenant(tenantId, (tx) => this.reference(tx, tenantId));
    const run = `${Date.now().toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}`.toUpperCase();
    for (let done = 0, batch = 0; done < options.cases; done += batchSize, batch++) {
      const size = Math.min(batchSize, options.cases - done);
      const counts = await this.forTenant(tenantId, (tx) =>
        this.batch(tx, {
          tenantId,
          size,
          days,
          now,
          seed: options.seed === undefined ? undefined : ((options.seed * 7919 + batch) % 1000) / 1000,
          ref,
          prefix: `GEN-${run}-${batch}`,
          visitsPerCase: options.visitsPerCase ?? 6,
          maxMessages: options.maxMessages ?? 4,
        }),
      );
      for (const key of Object.keys(report) as (keyof GenerateReport)[]) report[key] += counts[key];
      options.onProgress?.(done + size, options.cases);
    }
    return report;
  }

  private async reference(tx: EntityManager, tenantId: string) {
    // Cases are assigned to a physician's staff account, so only physicians linked to an account take cases.
    const offerings = await rows<{
      id: string;
      specialty_id: string;
      price_minor: number;
      add_on_id: string | null;
      add_on_price: number;
      physicians: string;
    }>(
      tx,
      `SELECT o.id, o.specialty_id, o.price_minor, a.id AS add_on_id, coalesce(a.price_minor, 0) AS add_on_price,
              coalesce((SELECT string_agg(p.account_id::text, ',') FROM physician_specialties ps JOIN physicians p ON p.tenant_id = ps.tenant_id AND p.id = ps.physician_id
                         WHERE ps.tenant_id = o.tenant_id AND ps.specialty_id = o.specialty_id AND p.active AND p.account_id IS NOT NULL), '') AS physicians
         FROM offerings o LEFT JOIN LATERAL (SELECT id, price_minor FROM offering_add_ons WHERE tenant_id = o.tenant_id AND offering_id = o.id ORDER BY position LIMIT 1) a ON true
        WHERE o.tenant_id = $1 ORDER BY o.active DESC, o.position`,
      [tenantId],
    );
    if (!offerings.length) throw new Error('The hospital has no offerings: apply its blueprint first.');
    const linked = await rows<{ account_id: string; id: string; stipend_minor: number }>(
      tx,
      `SELECT account_id, id, stipend_minor FROM physicians WHERE tenant_id = $1 AND account_id IS NOT NULL ORDER BY position`,
      [tenantId],
    );
    const anyPhysicians = linked.map((p) => p.account_id);
    const tenant = await one<{ currency: string; time_zone: string; home: string | null }>(
      tx,
      `SELECT currency, time_zone, settings->>'homeJurisdiction' AS home FROM tenants WHERE id = $1`,
      [tenantId],
    );
    // A pool of synthetic patients and one synthetic staff member (opinions and conversions name their author).
    await tx.query(
      `INSERT INTO accounts (tenant_id, kind, email, name)
       SELECT $1, 'patient', 'synthetic-patient-' || n || '@generated.invalid', 'Synthetic patient ' || n FROM generate_series(1, 200) n
       ON CONFLICT (tenant_id, kind, email) DO NOTHING`,
      [tenantId],
    );
    await tx.query(
      `INSERT INTO accounts (tenant_id, kind, email, name) VALUES ($1, 'staff', 'synthetic-staff@generated.invalid', 'Synthetic staff') ON CONFLICT (tenant_id, kind, email) DO NOTHING`,
      [tenantId],
    );
    const patients = (
      await rows<{ id: string }>(
        tx,
        `SELECT id FROM accounts WHERE tenant_id = $1 AND kind = 'patient' AND email LIKE 'synthetic-patient-%@generated.invalid'`,
        [tenantId],
      )
    ).map((r) => r.id);
    const staff = await one<{ id: string }>(
      tx,
      `SELECT id FROM accounts WHERE tenant_id = $1 AND kind = 'staff' AND email = 'synthetic-staff@generated.invalid'`,
      [tenantId],
    );
    return {
      // An offering whose specialty has no linked physician is given any linked physician.
      offerings: offerings.map((o) => ({ ...o, physicians: o.physicians || anyPhysicians.join(',') })),
      currency: tenant.currency.trim(),
      timeZone: tenant.time_zone,
      linked,
      home: tenant.home ?? 'US-IL',
      patients,
      staffId: staff.id,
    };
  }

  private async batch(
    tx: EntityManager,
    o: {
      tenantId: string;
      size: number;
      days: number;
      now: Date;
      seed?: number;
      ref: Awaited<ReturnType<AnalyticsGenerator['reference']>>;
      prefix: string;
      visitsPerCase: number;
      maxMessages: number;
    },
  ): Promise<GenerateReport> {
    // An offline tool writing tens of thousands of rows per statement: the platform's statement timeout is not for it.
    await tx.query(`SET LOCAL statement_timeout = 0`);
    if (o.seed !== undefined) await tx.query(`SELECT setseed($1)`, [o.seed]);
    const { ref } = o;
    const start = new Date(o.now.getTime() - o.days * 86400000);
    await tx.query(
      `CREATE TEMP TABLE gen_offerings ON COMMIT DROP AS
       SELECT i::int AS i, offering_id, specialty_id, price, add_on_id, add_on_price, string_to_array(physicians, ',')::uuid[] AS physicians
         FROM unnest($1::uuid[], $2::uuid[], $3::int[], $4::uuid[], $5::int[], $6::text[]) WITH ORDINALITY AS x (offering_id, specialty_id, price, add_on_id, add_on_price, physicians, i)`,
      [
        ref.offerings.map((x) => x.id),
        ref.offerings.map((x) => x.specialty_id),
        ref.offerings.map((x) => x.price_minor),
        ref.offerings.map((x) => x.add_on_id),
        ref.offerings.map((x) => x.add_on_price),
        ref.offerings.map((x) => x.physicians),
      ],
    );
    // Each case's dice, then its timeline. Steps that would lie in the future have not happened yet.
    await tx.query(
      `CREATE TEMP TABLE gen_cases ON COMMIT DROP AS
       WITH dice AS (
         SELECT gen_random_uuid() AS id, n, $2::timestamptz + sqrt(random()) * ($3::timestamptz - $2::timestamptz) AS created_at,
                1 + floor(random() * $4)::int AS oi, random() AS u_class, random() AS u_place, random() AS u_visit, random() AS u_campaign,
                random() AS u_submit, random() AS u_outcome, random() AS u_records, random() AS u_addon, random() AS u_fund, random() AS u_opinion,
                random() AS u_treat, random() AS u_consult, random() AS u_proc, random() AS u_value, random() AS u_ci30, random() AS u_ci90,
                random() AS u_act30, random() AS u_act90, random() AS u_sat30, random() AS u_sat90, random() AS u_follow, random() AS u_refund,
                random() AS u_phys, random() AS u_close, floor(random() * ($8::int + 1))::int AS messages,
                power(random(), 2) * interval '72 hours' AS d_submit, random() * interval '30 hours' AS d_triage,
                (1 + random() * 5) * interval '1 day' AS d_records, random() * interval '48 hours' AS d_accept,
                random() * interval '12 hours' AS d_assign, random() * interval '36 hours' AS d_review,
                (2 + 8 * power(random(), 1.5)) * interval '1 day' AS d_turnaround, random() * interval '2 hours' AS d_deliver,
                (7 + random() * 50) * interval '1 day' AS d_conversion
           FROM generate_series(1, $1) n
       ), timed AS (
         SELECT d.*, o.offering_id, o.specialty_id, o.price, o.physicians,
                CASE WHEN d.u_addon < 0.25 THEN o.add_on_id END AS add_on_id, o.add_on_price,
                CASE WHEN d.u_class < 0.68 THEN 'in_state' WHEN d.u_class < 0.92 THEN 'out_of_state' ELSE 'international' END AS jclass,
                d.created_at + d.d_submit AS t_submit,
                d.created_at + d.d_submit + d.d_triage AS t_triage,
                d.u_records < 0.25 AS records
           FROM dice d JOIN gen_offerings o ON o.i = d.oi
       ), steps AS (
         SELECT t.*,
                CASE t.jclass WHEN 'in_state' THEN $5 WHEN 'out_of_state' THEN ($6::text[])[1 + floor(power(t.u_place, 2) * cardinality($6::text[]))::int]
                  ELSE ($7::text[])[1 + floor(power(t.u_place, 2) * cardinality($7::text[]))::int] END AS jurisdiction,
                t.t_triage + CASE WHEN t.records THEN t.d_records ELSE interval '0' END + t.d_accept AS t_accept
           FROM timed t
       )
       , timeline AS (
         SELECT s.*, s.t_accept + s.d_assign AS t_assign, s.t_accept + s.d_assign + s.d_review AS t_review,
                greatest(s.t_accept + s.d_turnaround, s.t_accept + s.d_assign + s.d_review + interval '1 hour') AS t_signed
           FROM steps s
       )
       SELECT s.*, s.t_signed + s.d_deliver AS t_deliver,
              s.u_submit < 0.62 AND s.t_submit <= $3 AS submitted,
              s.u_submit < 0.62 AND s.t_triage <= $3 AS triaged,
              s.u_submit < 0.62 AND s.t_triage + interval '1 day' <= $3 AND s.u_outcome < 0.09 AS declined,
              s.u_submit < 0.62 AND s.t_submit + interval '2 days' <= $3 AND s.u_outcome >= 0.09 AND s.u_outcome < 0.12 AS cancelled,
              s.u_submit < 0.62 AND s.u_outcome >= 0.12 AND s.t_accept <= $3 AS accepted,
              s.u_submit < 0.62 AND s.u_outcome >= 0.12 AND s.t_assign <= $3 AS assigned,
              s.u_submit < 0.62 AND s.u_outcome >= 0.12 AND s.t_review <= $3 AS reviewing,
              s.u_submit < 0.62 AND s.u_outcome >= 0.12 AND s.t_signed <= $3 AS signed,
              s.u_submit < 0.62 AND s.u_outcome >= 0.12 AND s.t_signed + s.d_deliver <= $3 AS delivered,
              s.physicians[1 + floor(s.u_phys * cardinality(s.physicians))::int] AS physician_id,
              s.price + CASE WHEN s.add_on_id IS NOT NULL THEN s.add_on_price ELSE 0 END AS total,
              CASE WHEN s.u_fund < 0.06 THEN 1.0 WHEN s.u_fund < 0.12 THEN 0.5 ELSE 0 END AS funded_share,
              CASE WHEN s.u_visit < 0.85 THEN gen_random_uuid() END AS visitor_id
         FROM timeline s`,
      [o.size, start, o.now, ref.offerings.length, ref.home, STATES.filter((s) => s !== ref.home), COUNTRIES, o.maxMessages],
    );
    await tx.query(`ANALYZE gen_cases`);
    const campaigns = [CAMPAIGNS.map((c) => c[0]), CAMPAIGNS.map((c) => c[1]), CAMPAIGNS.map((c) => c[2])];
    // The landing that started each intake (4 in 10 tagged), then landings that never did.
    const visits = await rows<Count>(
      tx,
      `WITH landed AS (
         SELECT g.visitor_id, g.created_at - random() * interval '3 days' AS landed_at, g.u_campaign < 0.4 AS tagged,
                1 + floor(power(random(), 1.6) * cardinality($2::text[]))::int AS ci
           FROM gen_cases g WHERE g.visitor_id IS NOT NULL
         UNION ALL
         SELECT gen_random_uuid(), $3::timestamptz + sqrt(random()) * ($4::timestamptz - $3::timestamptz), random() < 0.4,
                1 + floor(power(random(), 1.6) * cardinality($2::text[]))::int
           FROM generate_series(1, $5::int)
       ), ins AS (
       INSERT INTO visits (tenant_id, visitor_id, landed_at, landing_path, locale, referrer_host, utm_source, utm_medium, utm_campaign)
       SELECT $1, visitor_id, landed_at, CASE WHEN tagged THEN '/start' ELSE '/' END, 'en', CASE WHEN NOT tagged AND random() < 0.4 THEN 'www.google.com' END,
              CASE WHEN tagged THEN ($2::text[])[ci] END, CASE WHEN tagged THEN ($6::text[])[ci] END, CASE WHEN tagged THEN ($7::text[])[ci] END
         FROM landed RETURNING 1) SELECT count(*)::int AS n FROM ins`,
      [o.tenantId, campaigns[0], start, o.now, Math.round(o.size * o.visitsPerCase), campaigns[1], campaigns[2]],
    );
    await tx.query(
      `INSERT INTO cases (tenant_id, id, number, state, patient_id, offering_id, add_on_ids, jurisdiction, jurisdiction_class, route, route_reasons,
         assigned_physician_id, visitor_id, quote, quote_accepted_at, payment_authorized_at, accept_by, due_at, created_at, updated_at, submitted_at, accepted_at, delivered_at, closed_at)
       SELECT $1, g.id, $2 || '-' || g.n, 
              CASE WHEN g.declined THEN 'declined' WHEN g.cancelled THEN 'cancelled'
                   WHEN g.delivered AND g.u_close < 0.6 AND g.t_deliver + interval '30 days' <= $3 THEN 'closed'
                   WHEN g.delivered THEN 'delivered' WHEN g.signed THEN 'opinion_signed' WHEN g.reviewing THEN 'in_review' WHEN g.assigned THEN 'assigned'
                   WHEN g.accepted THEN 'accepted' WHEN g.triaged THEN (CASE WHEN g.records THEN 'awaiting_records' ELSE 'triage' END)
                   WHEN g.submitted THEN 'submitted' ELSE 'draft' END,
              ($4::uuid[])[1 + g.n % cardinality($4::uuid[])], g.offering_id, CASE WHEN g.add_on_id IS NULL THEN '{}'::uuid[] ELSE ARRAY[g.add_on_id] END,
              g.jurisdiction, g.jclass, CASE WHEN g.jclass = 'in_state' THEN 'direct' ELSE 'educational' END, '[]'::jsonb,
              CASE WHEN g.assigned THEN g.physician_id END, g.visitor_id,
              jsonb_build_object('currency', $5::text, 'subtotal', g.total, 'total', g.total,
                'lines', jsonb_build_array(jsonb_build_object('label', 'Opinion', 'amount', g.price))
                  || CASE WHEN g.add_on_id IS NOT NULL THEN jsonb_build_array(jsonb_build_object('label', 'Add-on', 'amount', g.add_on_price)) ELSE '[]'::jsonb END),
              CASE WHEN g.submitted THEN g.t_submit - interval '5 minutes' END, CASE WHEN g.submitted THEN g.t_submit END,
              CASE WHEN g.assigned THEN g.t_assign + interval '2 days' END, CASE WHEN g.accepted THEN g.t_accept + interval '7 days' END,
              g.created_at, g.created_at, CASE WHEN g.submitted THEN g.t_submit END, CASE WHEN g.accepted THEN g.t_accept END, CASE WHEN g.delivered THEN g.t_deliver END,
              CASE WHEN g.delivered AND g.u_close < 0.6 AND g.t_deliver + interval '30 days' <= $3 THEN g.t_deliver + interval '30 days' END
         FROM gen_cases g`,
      [o.tenantId, o.prefix, o.now, ref.patients, ref.currency],
    );
    // Every step as the state machine records it, plus the pipeline's other events, numbered in time order.
    const events = await rows<Count>(
      tx,
      `WITH ins AS (INSERT INTO case_events (tenant_id, case_id, seq, type, from_state, to_state, actor_kind, data, occurred_at)
       SELECT $1, e.case_id, row_number() OVER (PARTITION BY e.case_id ORDER BY e.at, e.ord), e.type, e.from_state, e.to_state, e.actor, '{}'::jsonb, e.at
         FROM (
           SELECT g.id AS case_id, s.* FROM gen_cases g CROSS JOIN LATERAL (VALUES
             (1, 'draft_started', NULL, 'draft', 'patient', g.created_at, true),
             (2, 'consents_given', NULL, NULL, 'patient', g.t_submit - interval '8 minutes', g.submitted),
             (3, 'quote_accepted', NULL, NULL, 'patient', g.t_submit - interval '5 minutes', g.submitted),
             (4, 'submit', 'draft', 'submitted', 'patient', g.t_submit, g.submitted),
             (5, 'start_triage', 'submitted', 'triage', 'coordinator', g.t_triage, g.triaged),
             (6, 'decline', 'triage', 'declined', 'coordinator', g.t_triage + interval '1 day', g.declined),
             (7, 'cancel', 'triage', 'cancelled', 'patient', g.t_submit + interval '2 days', g.cancelled AND g.triaged),
             (7, 'cancel', 'submitted', 'cancelled', 'patient', g.t_submit + interval '2 days', g.cancelled AND NOT g.triaged),
             (8, 'request_records', 'triage', 'awaiting_records', 'coordinator', g.t_triage + interval '1 hour', g.triaged AND g.records AND NOT g.declined AND NOT g.cancelled),
             (9, 'record_request', NULL, NULL, 'coordinator', g.t_triage + interval '1 hour', g.triaged AND g.records AND NOT g.declined AND NOT g.cancelled),
             (10, 'records_received', 'awaiting_records', 'triage', 'patient', g.t_triage + g.d_records, g.accepted AND g.records),
             (11, 'accept', 'triage', 'accepted', 'coordinator', g.t_accept, g.accepted),
             (12, 'assign', 'accepted', 'assigned', 'coordinator', g.t_assign, g.assigned),
             (13, 'begin_review', 'assigned', 'in_review', 'physician', g.t_review, g.reviewing),
             (14, 'sign_opinion', 'in_review', 'opinion_signed', 'physician', g.t_signed, g.signed),
             (15, 'deliver', 'opinion_signed', 'delivered', 'system', g.t_deliver, g.delivered),
             (16, 'opinion_ready', NULL, NULL, 'system', g.t_deliver + interval '1 second', g.delivered),
             (17, 'ask_follow_up', 'delivered', 'follow_up', 'patient', g.t_deliver + interval '3 days', g.delivered AND g.u_follow < 0.2 AND g.t_deliver + interval '4 days' <= $2),
             (18, 'answer_follow_up', 'follow_up', 'delivered', 'physician', g.t_deliver + interval '4 days', g.delivered AND g.u_follow < 0.2 AND g.t_deliver + interval '4 days' <= $2),
             (19, 'close', 'delivered', 'closed', 'system', g.t_deliver + interval '30 days', g.delivered AND g.u_close < 0.6 AND g.t_deliver + interval '30 days' <= $2)
           ) AS s (ord, type, from_state, to_state, actor, at, happened)
           WHERE s.happened
           UNION ALL
           SELECT g.id, 20 + m, 'message', NULL, NULL, CASE WHEN m % 2 = 0 THEN 'patient' ELSE 'coordinator' END, g.t_submit + m * interval '7 hours', true
             FROM gen_cases g CROSS JOIN LATERAL generate_series(1, g.messages) m
            WHERE g.submitted AND g.t_submit + m * interval '7 hours' <= $2
         ) e
       RETURNING 1) SELECT count(*)::int AS n FROM ins`,
      [o.tenantId, o.now],
    );
    const payments = await rows<Count>(
      tx,
      `WITH ins AS (INSERT INTO payments (tenant_id, case_id, patient_id, attempt, provider, currency, amount_minor, funded_minor, authorized_minor, captured_minor, refunded_minor, status,
         created_at, authorized_at, captured_at, released_at, refunded_at, application_fee_minor)
       SELECT $1, g.id, c.patient_id, 1, 'demo', $2, p.amount, p.funded, p.amount, p.captured, p.refunded,
              CASE WHEN p.refunded > 0 THEN 'refunded' WHEN p.captured > 0 OR (g.accepted AND p.amount = 0) THEN 'captured' WHEN g.declined OR g.cancelled THEN 'released' ELSE 'authorized' END,
              g.t_submit, g.t_submit, CASE WHEN g.accepted THEN g.t_accept END, CASE WHEN g.declined OR g.cancelled THEN g.t_submit + interval '2 days' END,
              CASE WHEN p.refunded > 0 THEN g.t_deliver + interval '5 days' END, round(p.amount * 0.1)::int
         FROM gen_cases g JOIN cases c ON c.tenant_id = $1 AND c.id = g.id
         CROSS JOIN LATERAL (SELECT round(g.total * (1 - g.funded_share))::int AS amount, round(g.total * g.funded_share)::int AS funded) a
         CROSS JOIN LATERAL (SELECT a.amount, a.funded, CASE WHEN g.accepted THEN a.amount ELSE 0 END AS captured,
                                    CASE WHEN g.delivered AND g.u_refund < 0.02 AND g.t_deliver + interval '5 days' <= $3 THEN a.amount ELSE 0 END AS refunded) p
        WHERE g.submitted
       RETURNING 1) SELECT count(*)::int AS n FROM ins`,
      [o.tenantId, ref.currency, o.now],
    );
    // One in twenty delivered cases buys one more follow-up question: a case extra and its own payment, captured.
    await tx.query(
      `WITH extras AS (
         INSERT INTO case_extras (tenant_id, case_id, kind, currency, price_minor, status, created_at, paid_at, done_at)
         SELECT $1, g.id, 'follow_up', $2, coalesce(o.extra_follow_up_price_minor, 7500), 'done', g.t_deliver + interval '5 days', g.t_deliver + interval '5 days', g.t_deliver + interval '6 days'
           FROM gen_cases g JOIN offerings o ON o.tenant_id = $1 AND o.id = g.offering_id
          WHERE g.delivered AND g.u_follow >= 0.2 AND g.u_follow < 0.25 AND g.t_deliver + interval '6 days' <= $3
         RETURNING id, case_id, price_minor, paid_at)
       INSERT INTO payments (tenant_id, case_id, patient_id, attempt, provider, currency, amount_minor, authorized_minor, captured_minor, status,
         created_at, authorized_at, captured_at, purpose, extra_id)
       SELECT $1, e.case_id, c.patient_id, 2, 'demo', $2, e.price_minor, e.price_minor, e.price_minor, 'captured', e.paid_at, e.paid_at, e.paid_at, 'extra', e.id
         FROM extras e JOIN cases c ON c.tenant_id = $1 AND c.id = e.case_id`,
      [o.tenantId, ref.currency, o.now],
    );
    const opinions = await rows<Count>(
      tx,
      `WITH ins AS (INSERT INTO opinions (tenant_id, case_id, version, status, diagnosis_agreement, treatment_changed, author_id, signed_by, signed_at, created_at, updated_at)
       SELECT $1, g.id, 1, 'signed', CASE WHEN g.u_opinion < 0.13 THEN 'confirmed' WHEN g.u_opinion < 0.79 THEN 'refined' ELSE 'changed' END,
              g.u_treat < 0.374, $2, $2, g.t_signed, g.t_review, g.t_signed
         FROM gen_cases g WHERE g.signed
       RETURNING 1) SELECT count(*)::int AS n FROM ins`,
      [o.tenantId, ref.staffId],
    );
    // The ledger's entry for each delivered case: the physician's rate, on the hospital's day of delivery.
    const stipends = await rows<Count>(
      tx,
      `WITH ins AS (INSERT INTO stipend_entries (tenant_id, case_id, opinion_id, physician_id, amount_minor, currency, accrued_on, accrued_at)
       SELECT $1, g.id, o.id, p.roster_id, p.stipend, $2, (g.t_deliver AT TIME ZONE $3)::date, g.t_deliver
         FROM gen_cases g JOIN opinions o ON o.tenant_id = $1 AND o.case_id = g.id AND o.version = 1
         JOIN unnest($4::uuid[], $5::uuid[], $6::int[]) AS p (account_id, roster_id, stipend) ON p.account_id = g.physician_id
        WHERE g.delivered AND g.assigned
       RETURNING 1) SELECT count(*)::int AS n FROM ins`,
      [
        o.tenantId,
        ref.currency,
        ref.timeZone,
        ref.linked.map((p) => p.account_id),
        ref.linked.map((p) => p.id),
        ref.linked.map((p) => p.stipend_minor),
      ],
    );
    const conversions = await rows<Count>(
      tx,
      `WITH ins AS (INSERT INTO conversions (tenant_id, case_id, kind, occurred_on, value_minor, currency, source, recorded_by, recorded_at)
       SELECT $1, g.id, k.kind, (g.t_deliver + k.after)::date, k.value, CASE WHEN k.value IS NOT NULL THEN $2 END, 'manual', $3, g.t_deliver + k.after
         FROM gen_cases g CROSS JOIN LATERAL (VALUES
           ('consult_booked', g.d_conversion, CASE WHEN g.u_value < 0.5 THEN 25000 END::bigint, g.u_consult < 0.33),
           ('procedure_done', g.d_conversion + interval '21 days', round(exp(ln(1500000) + 0.8 * (g.u_value - 0.5) * 3))::bigint, g.u_proc < 0.10),
           ('procedure_scheduled', g.d_conversion + interval '7 days', NULL::bigint, g.u_proc >= 0.10 AND g.u_proc < 0.14)
         ) AS k (kind, after, value, happened)
        WHERE g.delivered AND k.happened AND g.t_deliver + k.after <= $4
       RETURNING 1) SELECT count(*)::int AS n FROM ins`,
      [o.tenantId, ref.currency, ref.staffId, o.now],
    );
    // Appointment requests from the opinion page: most booked consults came through one, and some went nowhere.
    const referrals = await rows<Count>(
      tx,
      `WITH ins AS (INSERT INTO referral_tasks (tenant_id, case_id, reason, preferred_times, state, requested_at, updated_at)
       SELECT $1, g.id, 'discuss_opinion', ARRAY['weekday_morning'],
              CASE WHEN g.u_consult < 0.3 THEN 'booked' WHEN g.u_consult < 0.36 THEN 'declined' WHEN g.u_consult < 0.4 THEN 'no_answer'
                   WHEN g.u_consult < 0.42 THEN 'contacted' ELSE 'requested' END,
              g.t_deliver + interval '2 days', g.t_deliver + interval '3 days'
         FROM gen_cases g WHERE g.delivered AND g.u_consult < 0.45 AND g.t_deliver + interval '3 days' <= $2
       RETURNING 1) SELECT count(*)::int AS n FROM ins`,
      [o.tenantId, o.now],
    );
    const checkIns = await rows<Count>(
      tx,
      `WITH ins AS (INSERT INTO case_check_ins (tenant_id, case_id, day, due_on, reminded_at, answered_at, acted_on_advice, satisfaction)
       SELECT $1, g.id, k.day, (g.t_deliver + k.day * interval '1 day')::date, g.t_deliver + k.day * interval '1 day',
              CASE WHEN k.answered THEN g.t_deliver + (k.day + 2) * interval '1 day' END,
              CASE WHEN NOT k.answered THEN NULL WHEN k.u_act < 0.55 THEN 'yes' WHEN k.u_act < 0.8 THEN 'partly' ELSE 'no' END,
              CASE WHEN NOT k.answered THEN NULL WHEN k.u_sat < 0.5 THEN 5 WHEN k.u_sat < 0.8 THEN 4 WHEN k.u_sat < 0.9 THEN 3 WHEN k.u_sat < 0.96 THEN 2 ELSE 1 END
         FROM gen_cases g CROSS JOIN LATERAL (VALUES (30, g.u_ci30 < 0.6, g.u_act30, g.u_sat30), (90, g.u_ci90 < 0.45, g.u_act90, g.u_sat90)) AS k (day, answered, u_act, u_sat)
        WHERE g.delivered AND g.t_deliver + (k.day + 2) * interval '1 day' <= $2
       RETURNING 1) SELECT count(*)::int AS n FROM ins`,
      [o.tenantId, o.now],
    );
    await tx.query(`DROP TABLE gen_cases, gen_offerings`);
    const affected = (r: Count[]) => Number(r[0]?.n ?? 0);
    return {
      cases: o.size,
      events: affected(events),
      stipends: affected(stipends),
      visits: affected(visits),
      payments: affected(payments),
      opinions: affected(opinions),
      conversions: affected(conversions),
      referrals: affected(referrals),
      checkIns: affected(checkIns),
    };
  }
}
