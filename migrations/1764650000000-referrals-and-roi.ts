import { MigrationInterface, QueryRunner } from 'typeorm';

const ROLLUPS = ['analytics_case_facts', 'analytics_cohorts', 'analytics_slices', 'analytics_pairs'];

/**
 * Issue 25: a visit booked from the opinion, and an ROI a finance person can trace.
 *
 * - `referral_tasks`: a patient's appointment request after the opinion, worked by the hospital's staff through
 *   requested -> contacted -> booked / declined / no_answer; a booked task points at the conversion it recorded.
 * - `campaign_spend`: what the hospital spent on a campaign in a month, entered or imported.
 * - The contribution statement's money measures per case (gross captured, refunds, platform fee, captured payments,
 *   consult values) and its appointment requests, in every rollup; settings for margins and payment fees.
 * Existing facts lack the new measures, so every hospital's rollups are rebuilt on their next refresh.
 */
export class ReferralsAndRoi1764650000000 implements MigrationInterface {
  name = 'ReferralsAndRoi1764650000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE referral_tasks (
        tenant_id uuid NOT NULL REFERENCES tenants (id),
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        case_id uuid NOT NULL,
        reason text NOT NULL CHECK (reason IN ('discuss_opinion', 'treatment', 'procedure', 'follow_up')),
        -- Times of week the patient prefers: codes, never free text (no PHI beyond what the case already holds).
        preferred_times text[] NOT NULL CHECK (cardinality(preferred_times) BETWEEN 1 AND 6),
        state text NOT NULL DEFAULT 'requested' CHECK (state IN ('requested', 'contacted', 'booked', 'declined', 'no_answer')),
        conversion_id uuid,
        requested_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        updated_by uuid,
        PRIMARY KEY (tenant_id, id),
        FOREIGN KEY (tenant_id, case_id) REFERENCES cases (tenant_id, id),
        FOREIGN KEY (tenant_id, conversion_id) REFERENCES conversions (tenant_id, id)
      );
      -- One open request per case: a second ask while one is being worked is the same request.
      CREATE UNIQUE INDEX referral_tasks_one_open ON referral_tasks (tenant_id, case_id) WHERE state IN ('requested', 'contacted');
      CREATE INDEX referral_tasks_by_state ON referral_tasks (tenant_id, state, requested_at);
      ALTER TABLE referral_tasks ENABLE ROW LEVEL SECURITY;
      ALTER TABLE referral_tasks FORCE ROW LEVEL SECURITY;
      CREATE POLICY tenant_isolation ON referral_tasks
        USING (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid)
        WITH CHECK (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid);
      REVOKE DELETE, TRUNCATE ON referral_tasks FROM consilium_app;

      CREATE TABLE campaign_spend (
        tenant_id uuid NOT NULL REFERENCES tenants (id),
        campaign text NOT NULL CHECK (campaign <> ''),
        month date NOT NULL CHECK (extract(day FROM month) = 1),
        currency char(3) NOT NULL,
        amount_minor bigint NOT NULL CHECK (amount_minor >= 0),
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, campaign, month)
      );
      ALTER TABLE campaign_spend ENABLE ROW LEVEL SECURITY;
      ALTER TABLE campaign_spend FORCE ROW LEVEL SECURITY;
      CREATE POLICY tenant_isolation ON campaign_spend
        USING (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid)
        WITH CHECK (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid);

      ALTER TABLE analytics_settings
        ADD COLUMN margins jsonb NOT NULL DEFAULT '{}',
        ADD COLUMN payment_fee_bps integer CHECK (payment_fee_bps BETWEEN 0 AND 10000),
        ADD COLUMN payment_fee_fixed_minor integer CHECK (payment_fee_fixed_minor >= 0);
    `);
    for (const table of ROLLUPS) {
      await q.query(`
        ALTER TABLE ${table}
          ADD COLUMN captured_minor bigint NOT NULL DEFAULT 0,
          ADD COLUMN refunded_minor bigint NOT NULL DEFAULT 0,
          ADD COLUMN platform_fee_minor bigint NOT NULL DEFAULT 0,
          ADD COLUMN captured_payments integer NOT NULL DEFAULT 0,
          ADD COLUMN consult_value_minor bigint NOT NULL DEFAULT 0,
          ADD COLUMN converted integer NOT NULL DEFAULT 0,
          ADD COLUMN requests integer NOT NULL DEFAULT 0,
          ADD COLUMN requests_booked integer NOT NULL DEFAULT 0`);
    }
    await q.query(`
      CREATE TRIGGER analytics_referral_tasks_inserted AFTER INSERT ON referral_tasks REFERENCING NEW TABLE AS changed_rows
        FOR EACH STATEMENT EXECUTE FUNCTION analytics_mark_by_case_id();
      CREATE TRIGGER analytics_referral_tasks_updated AFTER UPDATE ON referral_tasks REFERENCING NEW TABLE AS changed_rows
        FOR EACH STATEMENT EXECUTE FUNCTION analytics_mark_by_case_id();
      UPDATE analytics_settings SET rollup_time_zone = NULL;
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const table of ROLLUPS) {
      await q.query(`
        ALTER TABLE ${table} DROP COLUMN captured_minor, DROP COLUMN refunded_minor, DROP COLUMN platform_fee_minor,
          DROP COLUMN captured_payments, DROP COLUMN consult_value_minor, DROP COLUMN converted, DROP COLUMN requests, DROP COLUMN requests_booked`);
    }
    await q.query(`
      ALTER TABLE analytics_settings DROP COLUMN margins, DROP COLUMN payment_fee_bps, DROP COLUMN payment_fee_fixed_minor;
      DROP TABLE campaign_spend;
      DROP TABLE referral_tasks;
      UPDATE analytics_settings SET rollup_time_zone = NULL;
    `);
  }
}
