import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * What a hospital's site shows: its catalog (specialties, offerings, add-ons, price rules), its roster (physicians,
 * their specialties and licenses), its funding programs, its pages, FAQs and testimonials; and the attribution
 * visits the site records. Tenant-level settings (home state, licensure policy) go on the tenants row.
 *
 * Every table follows the foundation's conventions: tenant_id first in every key, composite foreign keys, and the
 * tenant_isolation policy ENABLEd and FORCEd. Removing a specialty, offering, add-on, physician or funding program
 * from a blueprint sets `active = false`: cases, quotes and ledgers of later issues point at these rows.
 *
 * Content tables fire NOTIFY consilium_content_changed with the tenant id, so every instance drops its cached copy
 * of that tenant's site (the same mechanism as the host cache). Visits are written on page views and fire nothing.
 */
export class Sites1764350000000 implements MigrationInterface {
  name = 'Sites1764350000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      -- Home state and licensure policy: { homeJurisdiction, licensure: { unlicensedStates, international } }.
      ALTER TABLE tenants ADD COLUMN settings jsonb NOT NULL DEFAULT '{}';

      CREATE TABLE specialties (
        tenant_id uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        slug text NOT NULL CHECK (slug ~ '^[a-z0-9]([a-z0-9-]{0,58}[a-z0-9])?$'),
        position integer NOT NULL DEFAULT 0,
        name jsonb NOT NULL,
        summary jsonb NOT NULL,
        description jsonb,
        reviewed jsonb NOT NULL DEFAULT '[]',
        faqs jsonb NOT NULL DEFAULT '[]',
        active boolean NOT NULL DEFAULT true,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, id),
        UNIQUE (tenant_id, slug)
      );
      ALTER TABLE specialties ENABLE ROW LEVEL SECURITY;
      ALTER TABLE specialties FORCE ROW LEVEL SECURITY;
      CREATE POLICY tenant_isolation ON specialties
        USING (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid)
        WITH CHECK (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid);

      CREATE TABLE offerings (
        tenant_id uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        specialty_id uuid NOT NULL,
        slug text NOT NULL CHECK (slug ~ '^[a-z0-9]([a-z0-9-]{0,58}[a-z0-9])?$'),
        position integer NOT NULL DEFAULT 0,
        name jsonb NOT NULL,
        description jsonb NOT NULL,
        price_minor integer NOT NULL CHECK (price_minor >= 0),
        currency char(3) NOT NULL,
        turnaround_business_days integer NOT NULL CHECK (turnaround_business_days BETWEEN 1 AND 60),
        follow_up_questions integer NOT NULL CHECK (follow_up_questions BETWEEN 0 AND 10),
        intake_questions jsonb NOT NULL DEFAULT '[]',
        exclusions jsonb NOT NULL DEFAULT '{}',
        active boolean NOT NULL DEFAULT true,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, id),
        UNIQUE (tenant_id, slug),
        FOREIGN KEY (tenant_id, specialty_id) REFERENCES specialties (tenant_id, id)
      );
      CREATE INDEX offerings_by_specialty ON offerings (tenant_id, specialty_id);
      ALTER TABLE offerings ENABLE ROW LEVEL SECURITY;
      ALTER TABLE offerings FORCE ROW LEVEL SECURITY;
      CREATE POLICY tenant_isolation ON offerings
        USING (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid)
        WITH CHECK (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid);

      CREATE TABLE offering_add_ons (
        tenant_id uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        offering_id uuid NOT NULL,
        code text NOT NULL CHECK (code ~ '^[a-z0-9]([a-z0-9-]{0,58}[a-z0-9])?$'),
        position integer NOT NULL DEFAULT 0,
        name jsonb NOT NULL,
        description jsonb,
        price_minor integer NOT NULL CHECK (price_minor >= 0),
        currency char(3) NOT NULL,
        active boolean NOT NULL DEFAULT true,
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, id),
        UNIQUE (tenant_id, offering_id, code),
        FOREIGN KEY (tenant_id, offering_id) REFERENCES offerings (tenant_id, id)
      );
      ALTER TABLE offering_add_ons ENABLE ROW LEVEL SECURITY;
      ALTER TABLE offering_add_ons FORCE ROW LEVEL SECURITY;
      CREATE POLICY tenant_isolation ON offering_add_ons
        USING (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid)
        WITH CHECK (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid);

      -- One rule per region: the offering price is adjusted by a percentage or a fixed amount (negative: a discount).
      CREATE TABLE price_rules (
        tenant_id uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        region text NOT NULL CHECK (region IN ('in_state', 'out_of_state', 'international')),
        surcharge_minor integer NOT NULL DEFAULT 0,
        surcharge_percent integer NOT NULL DEFAULT 0 CHECK (surcharge_percent BETWEEN -100 AND 500),
        note jsonb,
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, id),
        UNIQUE (tenant_id, region)
      );
      ALTER TABLE price_rules ENABLE ROW LEVEL SECURITY;
      ALTER TABLE price_rules FORCE ROW LEVEL SECURITY;
      CREATE POLICY tenant_isolation ON price_rules
        USING (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid)
        WITH CHECK (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid);

      CREATE TABLE physicians (
        tenant_id uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        slug text NOT NULL CHECK (slug ~ '^[a-z0-9]([a-z0-9-]{0,58}[a-z0-9])?$'),
        position integer NOT NULL DEFAULT 0,
        name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
        credentials text NOT NULL DEFAULT '',
        title jsonb NOT NULL,
        bio jsonb NOT NULL,
        photo text,
        accepting_new_cases boolean NOT NULL DEFAULT true,
        weekly_capacity integer NOT NULL CHECK (weekly_capacity BETWEEN 0 AND 100),
        stipend_minor integer NOT NULL CHECK (stipend_minor >= 0),
        stipend_currency char(3) NOT NULL,
        featured boolean NOT NULL DEFAULT false,
        active boolean NOT NULL DEFAULT true,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, id),
        UNIQUE (tenant_id, slug)
      );
      ALTER TABLE physicians ENABLE ROW LEVEL SECURITY;
      ALTER TABLE physicians FORCE ROW LEVEL SECURITY;
      CREATE POLICY tenant_isolation ON physicians
        USING (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid)
        WITH CHECK (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid);

      CREATE TABLE physician_specialties (
        tenant_id uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
        physician_id uuid NOT NULL,
        specialty_id uuid NOT NULL,
        position integer NOT NULL DEFAULT 0,
        PRIMARY KEY (tenant_id, physician_id, specialty_id),
        FOREIGN KEY (tenant_id, physician_id) REFERENCES physicians (tenant_id, id) ON DELETE CASCADE,
        FOREIGN KEY (tenant_id, specialty_id) REFERENCES specialties (tenant_id, id)
      );
      -- Assignment (a later issue) looks physicians up by specialty.
      CREATE INDEX physician_specialties_by_specialty ON physician_specialties (tenant_id, specialty_id);
      ALTER TABLE physician_specialties ENABLE ROW LEVEL SECURITY;
      ALTER TABLE physician_specialties FORCE ROW LEVEL SECURITY;
      CREATE POLICY tenant_isolation ON physician_specialties
        USING (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid)
        WITH CHECK (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid);

      CREATE TABLE physician_licenses (
        tenant_id uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        physician_id uuid NOT NULL,
        jurisdiction text NOT NULL CHECK (jurisdiction ~ '^(US-[A-Z]{2}|[A-Z]{2})$'),
        number text NOT NULL CHECK (length(number) BETWEEN 1 AND 60),
        expires_on date NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, id),
        UNIQUE (tenant_id, physician_id, jurisdiction),
        FOREIGN KEY (tenant_id, physician_id) REFERENCES physicians (tenant_id, id) ON DELETE CASCADE
      );
      -- Licensure routing (a later issue) asks "who is licensed in US-XX today".
      CREATE INDEX physician_licenses_by_jurisdiction ON physician_licenses (tenant_id, jurisdiction, expires_on);
      ALTER TABLE physician_licenses ENABLE ROW LEVEL SECURITY;
      ALTER TABLE physician_licenses FORCE ROW LEVEL SECURITY;
      CREATE POLICY tenant_isolation ON physician_licenses
        USING (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid)
        WITH CHECK (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid);

      -- Owned by the billing lib. The budget lives in billing's funding_budgets (one row per program, guarded
      -- reserve/spend steps); the blueprint sets it there. Codes and eligibility answers come with the intake.
      CREATE TABLE funding_programs (
        tenant_id uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        slug text NOT NULL CHECK (slug ~ '^[a-z0-9]([a-z0-9-]{0,58}[a-z0-9])?$'),
        position integer NOT NULL DEFAULT 0,
        name jsonb NOT NULL,
        description jsonb NOT NULL,
        sponsor text,
        covers_percent integer CHECK (covers_percent BETWEEN 1 AND 100),
        covers_minor integer CHECK (covers_minor > 0),
        currency char(3) NOT NULL,
        access text NOT NULL CHECK (access IN ('open', 'code', 'eligibility')),
        eligibility jsonb,
        specialty_id uuid,
        active boolean NOT NULL DEFAULT true,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, id),
        UNIQUE (tenant_id, slug),
        CHECK ((covers_percent IS NULL) <> (covers_minor IS NULL)),
        FOREIGN KEY (tenant_id, specialty_id) REFERENCES specialties (tenant_id, id)
      );
      ALTER TABLE funding_programs ENABLE ROW LEVEL SECURITY;
      ALTER TABLE funding_programs FORCE ROW LEVEL SECURITY;
      CREATE POLICY tenant_isolation ON funding_programs
        USING (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid)
        WITH CHECK (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid);
      -- As the payments migration announced: a budget belongs to a program of the same tenant.
      ALTER TABLE funding_budgets ADD CONSTRAINT funding_budgets_program_fk
        FOREIGN KEY (tenant_id, program_id) REFERENCES funding_programs (tenant_id, id);

      -- Landing copy and the fixed pages (home, how-it-works, pricing, contact, privacy, terms), one row each.
      CREATE TABLE site_pages (
        tenant_id uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        key text NOT NULL CHECK (key ~ '^[a-z][a-z0-9-]{0,40}$'),
        content jsonb NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, id),
        UNIQUE (tenant_id, key)
      );
      ALTER TABLE site_pages ENABLE ROW LEVEL SECURITY;
      ALTER TABLE site_pages FORCE ROW LEVEL SECURITY;
      CREATE POLICY tenant_isolation ON site_pages
        USING (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid)
        WITH CHECK (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid);

      CREATE TABLE faqs (
        tenant_id uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        position integer NOT NULL DEFAULT 0,
        topic text NOT NULL CHECK (topic IN ('general', 'pricing', 'licensure', 'records')),
        question jsonb NOT NULL,
        answer jsonb NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, id)
      );
      ALTER TABLE faqs ENABLE ROW LEVEL SECURITY;
      ALTER TABLE faqs FORCE ROW LEVEL SECURITY;
      CREATE POLICY tenant_isolation ON faqs
        USING (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid)
        WITH CHECK (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid);

      CREATE TABLE testimonials (
        tenant_id uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        position integer NOT NULL DEFAULT 0,
        quote jsonb NOT NULL,
        author text NOT NULL CHECK (length(author) BETWEEN 1 AND 120),
        context jsonb,
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, id)
      );
      ALTER TABLE testimonials ENABLE ROW LEVEL SECURITY;
      ALTER TABLE testimonials FORCE ROW LEVEL SECURITY;
      CREATE POLICY tenant_isolation ON testimonials
        USING (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid)
        WITH CHECK (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid);

      -- A landing on the site: who (a random first-party id, nothing else), from where (referrer host, UTM tags),
      -- onto which page (path only, never the query). No PHI: a visit says nothing about a person's health, and is
      -- linked to a case only when the patient starts one (case_id; the intake issue adds its foreign key).
      CREATE TABLE visits (
        tenant_id uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        visitor_id uuid NOT NULL,
        landed_at timestamptz NOT NULL DEFAULT now(),
        landing_path text NOT NULL CHECK (length(landing_path) <= 200),
        locale text NOT NULL,
        referrer_host text CHECK (length(referrer_host) <= 253),
        utm_source text CHECK (length(utm_source) <= 100),
        utm_medium text CHECK (length(utm_medium) <= 100),
        utm_campaign text CHECK (length(utm_campaign) <= 100),
        utm_term text CHECK (length(utm_term) <= 100),
        utm_content text CHECK (length(utm_content) <= 100),
        case_id uuid,
        linked_at timestamptz,
        PRIMARY KEY (tenant_id, id)
      );
      CREATE INDEX visits_by_visitor ON visits (tenant_id, visitor_id, landed_at);
      CREATE INDEX visits_by_time ON visits (tenant_id, landed_at);
      ALTER TABLE visits ENABLE ROW LEVEL SECURITY;
      ALTER TABLE visits FORCE ROW LEVEL SECURITY;
      CREATE POLICY tenant_isolation ON visits
        USING (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid)
        WITH CHECK (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid);
      -- Visits are facts about the past: the app adds them and links them to a case, never deletes them.
      REVOKE DELETE ON visits FROM consilium_app;

      -- Every write to site content tells every instance to drop its cached copy of that tenant's site. PostgreSQL
      -- folds identical notifications of one transaction into one, so a blueprint apply sends one per tenant.
      CREATE FUNCTION notify_content_changed() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        PERFORM pg_notify('consilium_content_changed', (CASE WHEN TG_OP = 'DELETE' THEN OLD.tenant_id ELSE NEW.tenant_id END)::text);
        RETURN NULL;
      END $$;
      CREATE TRIGGER specialties_changed AFTER INSERT OR UPDATE OR DELETE ON specialties FOR EACH ROW EXECUTE FUNCTION notify_content_changed();
      CREATE TRIGGER offerings_changed AFTER INSERT OR UPDATE OR DELETE ON offerings FOR EACH ROW EXECUTE FUNCTION notify_content_changed();
      CREATE TRIGGER offering_add_ons_changed AFTER INSERT OR UPDATE OR DELETE ON offering_add_ons FOR EACH ROW EXECUTE FUNCTION notify_content_changed();
      CREATE TRIGGER price_rules_changed AFTER INSERT OR UPDATE OR DELETE ON price_rules FOR EACH ROW EXECUTE FUNCTION notify_content_changed();
      CREATE TRIGGER physicians_changed AFTER INSERT OR UPDATE OR DELETE ON physicians FOR EACH ROW EXECUTE FUNCTION notify_content_changed();
      CREATE TRIGGER physician_specialties_changed AFTER INSERT OR UPDATE OR DELETE ON physician_specialties FOR EACH ROW EXECUTE FUNCTION notify_content_changed();
      CREATE TRIGGER physician_licenses_changed AFTER INSERT OR UPDATE OR DELETE ON physician_licenses FOR EACH ROW EXECUTE FUNCTION notify_content_changed();
      CREATE TRIGGER funding_programs_changed AFTER INSERT OR UPDATE OR DELETE ON funding_programs FOR EACH ROW EXECUTE FUNCTION notify_content_changed();
      CREATE TRIGGER site_pages_changed AFTER INSERT OR UPDATE OR DELETE ON site_pages FOR EACH ROW EXECUTE FUNCTION notify_content_changed();
      CREATE TRIGGER faqs_changed AFTER INSERT OR UPDATE OR DELETE ON faqs FOR EACH ROW EXECUTE FUNCTION notify_content_changed();
      CREATE TRIGGER testimonials_changed AFTER INSERT OR UPDATE OR DELETE ON testimonials FOR EACH ROW EXECUTE FUNCTION notify_content_changed();
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      DROP TABLE visits;
      DROP TABLE testimonials;
      DROP TABLE faqs;
      DROP TABLE site_pages;
      ALTER TABLE funding_budgets DROP CONSTRAINT funding_budgets_program_fk;
      DROP TABLE funding_programs;
      DROP TABLE physician_licenses;
      DROP TABLE physician_specialties;
      DROP TABLE physicians;
      DROP TABLE price_rules;
      DROP TABLE offering_add_ons;
      DROP TABLE offerings;
      DROP TABLE specialties;
      DROP FUNCTION notify_content_changed();
      ALTER TABLE tenants DROP COLUMN settings;
    `);
  }
}
