import { MigrationInterface, QueryRunner } from 'typeorm';

// The measures one case contributes to its cohort (see libs/analytics/src/rollups/case-facts.sql.ts).
export const ANALYTICS_MEASURES = `
        started integer NOT NULL DEFAULT 0,
        submitted integer NOT NULL DEFAULT 0,
        accepted integer NOT NULL DEFAULT 0,
        declined integer NOT NULL DEFAULT 0,
        delivered integer NOT NULL DEFAULT 0,
        with_due integer NOT NULL DEFAULT 0,
        on_time integer NOT NULL DEFAULT 0,
        consults integer NOT NULL DEFAULT 0,
        procedures integer NOT NULL DEFAULT 0,
        procedures_unvalued integer NOT NULL DEFAULT 0,
        procedure_value_minor bigint NOT NULL DEFAULT 0,
        opinions integer NOT NULL DEFAULT 0,
        diagnosis_confirmed integer NOT NULL DEFAULT 0,
        diagnosis_refined integer NOT NULL DEFAULT 0,
        diagnosis_changed integer NOT NULL DEFAULT 0,
        treatment_changed integer NOT NULL DEFAULT 0,
        paid_minor bigint NOT NULL DEFAULT 0,
        funded_minor bigint NOT NULL DEFAULT 0,
        add_ons_minor bigint NOT NULL DEFAULT 0,
        extras_minor bigint NOT NULL DEFAULT 0,
        stipends_minor bigint NOT NULL DEFAULT 0,
        check_in_30_answered integer NOT NULL DEFAULT 0,
        check_in_30_acted integer NOT NULL DEFAULT 0,
        check_in_30_partly integer NOT NULL DEFAULT 0,
        check_in_90_answered integer NOT NULL DEFAULT 0,
        check_in_90_acted integer NOT NULL DEFAULT 0,
        check_in_90_partly integer NOT NULL DEFAULT 0,
        satisfaction_sum integer NOT NULL DEFAULT 0,
        satisfaction_n integer NOT NULL DEFAULT 0`;

// The dimensions every filter of the dashboard can name. "None" is a sentinel, not NULL, so it can be in a key.
const DIMENSIONS = `
        specialty_id uuid NOT NULL,
        physician_id uuid NOT NULL,
        campaign text NOT NULL,
        jurisdiction_class text NOT NULL`;

/**
 * Conversion analytics (issue 9). Each case has one row of facts computed from its events, payments, opinion,
 * conversions and check-ins; the facts are summed into rollups per cohort (the day and the month the intake
 * started, in the hospital's time zone) x specialty x physician x campaign x jurisdiction class. Writes to the
 * source tables mark the case dirty in the same transaction (statement-level triggers, cheap for bulk writes);
 * a refresh recomputes dirty cases' facts and moves the rollups by the difference, so rollups are exact.
 * Visits are counted straight into their rollup by a trigger: they are only ever inserted.
 */
export class Analytics1764390000000 implements MigrationInterface {
  name = 'Analytics1764390000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE analytics_dirty_cases (
        tenant_id uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
        case_id uuid NOT NULL,
        marked_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, case_id)
      );
      ALTER TABLE analytics_dirty_cases ENABLE ROW LEVEL SECURITY;
      ALTER TABLE analytics_dirty_cases FORCE ROW LEVEL SECURITY;
      CREATE POLICY tenant_isolation ON analytics_dirty_cases
        USING (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid)
        WITH CHECK (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid);

      CREATE TABLE analytics_case_facts (
        tenant_id uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
        case_id uuid NOT NULL,
        started_on date NOT NULL,
        ${DIMENSIONS},
        jurisdiction text NOT NULL,
        turnaround_hours integer,
        ${ANALYTICS_MEASURES},
        PRIMARY KEY (tenant_id, case_id)
      );
      ALTER TABLE analytics_case_facts ENABLE ROW LEVEL SECURITY;
      ALTER TABLE analytics_case_facts FORCE ROW LEVEL SECURITY;
      CREATE POLICY tenant_isolation ON analytics_case_facts
        USING (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid)
        WITH CHECK (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid);

      CREATE TABLE analytics_cohorts (
        tenant_id uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
        grain text NOT NULL CHECK (grain IN ('day', 'month')),
        bucket date NOT NULL,
        ${DIMENSIONS},
        ${ANALYTICS_MEASURES},
        PRIMARY KEY (tenant_id, grain, bucket, specialty_id, physician_id, campaign, jurisdiction_class)
      );
      CREATE INDEX analytics_cohorts_empty ON analytics_cohorts (tenant_id) WHERE started = 0;
      -- A filter reads the rows of its one value (several filters: the most selective index wins).
      CREATE INDEX analytics_cohorts_by_specialty ON analytics_cohorts (tenant_id, specialty_id, grain, bucket);
      CREATE INDEX analytics_cohorts_by_physician ON analytics_cohorts (tenant_id, physician_id, grain, bucket);
      CREATE INDEX analytics_cohorts_by_campaign ON analytics_cohorts (tenant_id, campaign, grain, bucket);
      CREATE INDEX analytics_cohorts_by_class ON analytics_cohorts (tenant_id, jurisdiction_class, grain, bucket);
      ALTER TABLE analytics_cohorts ENABLE ROW LEVEL SECURITY;
      ALTER TABLE analytics_cohorts FORCE ROW LEVEL SECURITY;
      CREATE POLICY tenant_isolation ON analytics_cohorts
        USING (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid)
        WITH CHECK (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid);

      -- Turnaround (acceptance to delivery) in whole hours, as a histogram so percentiles stay exact. Each delivered
      -- case is counted twice: with its dimensions (detail) and without (the unfiltered dashboard reads far fewer rows).
      CREATE TABLE analytics_turnaround (
        tenant_id uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
        detail boolean NOT NULL,
        grain text NOT NULL CHECK (grain IN ('day', 'month')),
        bucket date NOT NULL,
        ${DIMENSIONS},
        hours integer NOT NULL,
        n integer NOT NULL,
        PRIMARY KEY (tenant_id, detail, grain, bucket, specialty_id, physician_id, campaign, jurisdiction_class, hours)
      );
      CREATE INDEX analytics_turnaround_empty ON analytics_turnaround (tenant_id) WHERE n = 0;
      ALTER TABLE analytics_turnaround ENABLE ROW LEVEL SECURITY;
      ALTER TABLE analytics_turnaround FORCE ROW LEVEL SECURITY;
      CREATE POLICY tenant_isolation ON analytics_turnaround
        USING (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid)
        WITH CHECK (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid);

      -- The unfiltered dashboard's read: each case counted once per dimension (specialty, physician, campaign,
      -- class), so a month is a few dozen rows whatever the combinations of dimensions.
      CREATE TABLE analytics_slices (
        tenant_id uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
        grain text NOT NULL CHECK (grain IN ('day', 'month')),
        bucket date NOT NULL,
        dimension text NOT NULL CHECK (dimension IN ('specialty', 'physician', 'campaign', 'class')),
        value text NOT NULL,
        ${ANALYTICS_MEASURES},
        PRIMARY KEY (tenant_id, grain, bucket, dimension, value)
      );
      CREATE INDEX analytics_slices_empty ON analytics_slices (tenant_id) WHERE started = 0;
      ALTER TABLE analytics_slices ENABLE ROW LEVEL SECURITY;
      ALTER TABLE analytics_slices FORCE ROW LEVEL SECURITY;
      CREATE POLICY tenant_isolation ON analytics_slices
        USING (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid)
        WITH CHECK (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid);

      -- Reach: submitted cases by the patient's state or country; detail as for turnaround.
      CREATE TABLE analytics_reach (
        tenant_id uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
        detail boolean NOT NULL,
        grain text NOT NULL CHECK (grain IN ('day', 'month')),
        bucket date NOT NULL,
        ${DIMENSIONS},
        jurisdiction text NOT NULL,
        n integer NOT NULL,
        PRIMARY KEY (tenant_id, detail, grain, bucket, specialty_id, physician_id, campaign, jurisdiction_class, jurisdiction)
      );
      CREATE INDEX analytics_reach_empty ON analytics_reach (tenant_id) WHERE n = 0;
      ALTER TABLE analytics_reach ENABLE ROW LEVEL SECURITY;
      ALTER TABLE analytics_reach FORCE ROW LEVEL SECURITY;
      CREATE POLICY tenant_isolation ON analytics_reach
        USING (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid)
        WITH CHECK (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid);

      CREATE TABLE analytics_visits (
        tenant_id uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
        grain text NOT NULL CHECK (grain IN ('day', 'month')),
        bucket date NOT NULL,
        campaign text NOT NULL,
        visits integer NOT NULL,
        PRIMARY KEY (tenant_id, grain, bucket, campaign)
      );
      ALTER TABLE analytics_visits ENABLE ROW LEVEL SECURITY;
      ALTER TABLE analytics_visits FORCE ROW LEVEL SECURITY;
      CREATE POLICY tenant_isolation ON analytics_visits
        USING (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid)
        WITH CHECK (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid);

      -- What the hospital tells us that the data cannot: the program's fixed monthly cost and, per specialty, what a
      -- procedure is worth when staff recorded one without a value. rollup_time_zone: the zone the rollups were cut in.
      CREATE TABLE analytics_settings (
        tenant_id uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
        monthly_cost_minor bigint NOT NULL DEFAULT 0 CHECK (monthly_cost_minor >= 0),
        procedure_estimates jsonb NOT NULL DEFAULT '{}',
        rollup_time_zone text,
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id)
      );
      ALTER TABLE analytics_settings ENABLE ROW LEVEL SECURITY;
      ALTER TABLE analytics_settings FORCE ROW LEVEL SECURITY;
      CREATE POLICY tenant_isolation ON analytics_settings
        USING (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid)
        WITH CHECK (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid);

      -- The campaign key of a set of UTM tags: "source / medium / campaign", '' when untagged.
      CREATE FUNCTION analytics_campaign_key(source text, medium text, campaign text) RETURNS text
        LANGUAGE sql IMMUTABLE AS $$
        SELECT CASE WHEN coalesce(source, medium, campaign) IS NULL THEN ''
          ELSE coalesce(source, '-') || ' / ' || coalesce(medium, '-') || ' / ' || coalesce(campaign, '-') END
      $$;

      -- Marking a case dirty locks its mark until the writer commits, so a refresh running meanwhile skips it
      -- (FOR UPDATE SKIP LOCKED) instead of computing facts without the writer's change.
      CREATE FUNCTION analytics_mark_by_case_id() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        INSERT INTO analytics_dirty_cases (tenant_id, case_id)
          SELECT DISTINCT tenant_id, case_id FROM changed_rows
          ON CONFLICT (tenant_id, case_id) DO UPDATE SET marked_at = excluded.marked_at;
        RETURN NULL;
      END $$;

      CREATE FUNCTION analytics_mark_new_cases() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        INSERT INTO analytics_dirty_cases (tenant_id, case_id)
          SELECT DISTINCT tenant_id, id FROM changed_rows
          ON CONFLICT (tenant_id, case_id) DO UPDATE SET marked_at = excluded.marked_at;
        RETURN NULL;
      END $$;

      -- Only changes analytics reads: a case's updated_at alone moves nothing.
      CREATE FUNCTION analytics_mark_changed_cases() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        INSERT INTO analytics_dirty_cases (tenant_id, case_id)
          SELECT DISTINCT n.tenant_id, n.id FROM changed_rows n JOIN previous_rows o ON o.tenant_id = n.tenant_id AND o.id = n.id
           WHERE (n.created_at, n.offering_id, n.assigned_physician_id, n.campaign, n.jurisdiction, n.jurisdiction_class, n.due_at, n.quote, n.add_on_ids, n.visitor_id)
             IS DISTINCT FROM (o.created_at, o.offering_id, o.assigned_physician_id, o.campaign, o.jurisdiction, o.jurisdiction_class, o.due_at, o.quote, o.add_on_ids, o.visitor_id)
          ON CONFLICT (tenant_id, case_id) DO UPDATE SET marked_at = excluded.marked_at;
        RETURN NULL;
      END $$;

      CREATE FUNCTION analytics_mark_offering_cases() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        INSERT INTO analytics_dirty_cases (tenant_id, case_id)
          SELECT c.tenant_id, c.id FROM changed_rows n JOIN previous_rows o ON o.tenant_id = n.tenant_id AND o.id = n.id
            JOIN cases c ON c.tenant_id = n.tenant_id AND c.offering_id = n.id
           WHERE n.specialty_id IS DISTINCT FROM o.specialty_id
          ON CONFLICT (tenant_id, case_id) DO UPDATE SET marked_at = excluded.marked_at;
        RETURN NULL;
      END $$;

      CREATE FUNCTION analytics_count_visits() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        INSERT INTO analytics_visits (tenant_id, grain, bucket, campaign, visits)
          SELECT v.tenant_id, g.grain,
                 CASE WHEN g.grain = 'day' THEN (v.landed_at AT TIME ZONE t.time_zone)::date
                      ELSE date_trunc('month', v.landed_at AT TIME ZONE t.time_zone)::date END,
                 analytics_campaign_key(v.utm_source, v.utm_medium, v.utm_campaign), count(*)
            FROM changed_rows v JOIN tenants t ON t.id = v.tenant_id CROSS JOIN (VALUES ('day'), ('month')) g (grain)
           GROUP BY 1, 2, 3, 4
          ON CONFLICT (tenant_id, grain, bucket, campaign) DO UPDATE SET visits = analytics_visits.visits + excluded.visits;
        RETURN NULL;
      END $$;

      CREATE TRIGGER analytics_cases_inserted AFTER INSERT ON cases REFERENCING NEW TABLE AS changed_rows
        FOR EACH STATEMENT EXECUTE FUNCTION analytics_mark_new_cases();
      CREATE TRIGGER analytics_cases_updated AFTER UPDATE ON cases REFERENCING NEW TABLE AS changed_rows OLD TABLE AS previous_rows
        FOR EACH STATEMENT EXECUTE FUNCTION analytics_mark_changed_cases();
      CREATE TRIGGER analytics_offerings_updated AFTER UPDATE ON offerings REFERENCING NEW TABLE AS changed_rows OLD TABLE AS previous_rows
        FOR EACH STATEMENT EXECUTE FUNCTION analytics_mark_offering_cases();
      CREATE TRIGGER analytics_case_events_inserted AFTER INSERT ON case_events REFERENCING NEW TABLE AS changed_rows
        FOR EACH STATEMENT EXECUTE FUNCTION analytics_mark_by_case_id();
      CREATE TRIGGER analytics_visits_inserted AFTER INSERT ON visits REFERENCING NEW TABLE AS changed_rows
        FOR EACH STATEMENT EXECUTE FUNCTION analytics_count_visits();

      SELECT pgboss.create_queue('analytics-refresh', '{"policy": "standard"}');
    `);
    // Every table whose rows change a case's facts, on every event that can change them.
    for (const table of ['payments', 'opinions', 'conversions', 'case_check_ins', 'stipend_entries']) {
      await q.query(`
        CREATE TRIGGER analytics_${table}_inserted AFTER INSERT ON ${table} REFERENCING NEW TABLE AS changed_rows
          FOR EACH STATEMENT EXECUTE FUNCTION analytics_mark_by_case_id();
        CREATE TRIGGER analytics_${table}_updated AFTER UPDATE ON ${table} REFERENCING NEW TABLE AS changed_rows
          FOR EACH STATEMENT EXECUTE FUNCTION analytics_mark_by_case_id();
        CREATE TRIGGER analytics_${table}_deleted AFTER DELETE ON ${table} REFERENCING OLD TABLE AS changed_rows
          FOR EACH STATEMENT EXECUTE FUNCTION analytics_mark_by_case_id();
      `);
    }
  }

  async down(q: QueryRunner): Promise<void> {
    for (const table of ['payments', 'opinions', 'conversions', 'case_check_ins', 'stipend_entries']) {
      await q.query(`
        DROP TRIGGER analytics_${table}_inserted ON ${table};
        DROP TRIGGER analytics_${table}_updated ON ${table};
        DROP TRIGGER analytics_${table}_deleted ON ${table};`);
    }
    await q.query(`
      SELECT pgboss.delete_queue('analytics-refresh');
      DROP TRIGGER analytics_cases_inserted ON cases;
      DROP TRIGGER analytics_cases_updated ON cases;
      DROP TRIGGER analytics_offerings_updated ON offerings;
      DROP TRIGGER analytics_case_events_inserted ON case_events;
      DROP TRIGGER analytics_visits_inserted ON visits;
      DROP FUNCTION analytics_mark_by_case_id(), analytics_mark_new_cases(), analytics_mark_changed_cases(),
        analytics_mark_offering_cases(), analytics_count_visits(), analytics_campaign_key(text, text, text);
      DROP TABLE analytics_settings, analytics_visits, analytics_reach, analytics_slices, analytics_turnaround, analytics_cohorts,
        analytics_case_facts, analytics_dirty_cases;
    `);
  }
}
