import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The shared case pipeline: cases (one per second opinion request, from the intake draft on), their immutable
 * events (the timeline and the analytics are computed from them), per-tenant readable numbers, and the consents the
 * patient gave with a hash of the exact text they saw.
 */
export class Cases1764330000000 implements MigrationInterface {
  name = 'Cases1764330000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE case_number_counters (
        tenant_id uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
        year integer NOT NULL,
        last_number integer NOT NULL DEFAULT 0,
        PRIMARY KEY (tenant_id, year)
      );
      ALTER TABLE case_number_counters ENABLE ROW LEVEL SECURITY;
      ALTER TABLE case_number_counters FORCE ROW LEVEL SECURITY;
      CREATE POLICY tenant_isolation ON case_number_counters
        USING (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid)
        WITH CHECK (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid);

      CREATE TABLE cases (
        tenant_id uuid NOT NULL REFERENCES tenants (id),
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        number text NOT NULL,
        state text NOT NULL DEFAULT 'draft' CHECK (state IN ('draft', 'submitted', 'triage', 'awaiting_records', 'accepted', 'assigned',
          'in_review', 'opinion_signed', 'delivered', 'follow_up', 'closed', 'declined', 'cancelled', 'refunded')),
        patient_id uuid NOT NULL,
        offering_id uuid,
        add_on_ids uuid[] NOT NULL DEFAULT '{}',
        -- Where the patient is and what that allows (licensure routing), with the reasons shown to staff.
        jurisdiction text,
        jurisdiction_class text CHECK (jurisdiction_class IN ('in_state', 'out_of_state', 'international')),
        route text CHECK (route IN ('direct', 'physician_to_physician', 'educational', 'declined')),
        route_reasons jsonb NOT NULL DEFAULT '[]',
        route_override jsonb,
        requested_physician_id uuid,
        local_physician jsonb,
        -- Health information: what the patient asks and what they were told so far.
        questions jsonb NOT NULL DEFAULT '[]',
        diagnosis text,
        proposed_treatment text,
        intake_answers jsonb NOT NULL DEFAULT '{}',
        quote jsonb,
        quote_accepted_at timestamptz,
        payment_authorized_at timestamptz,
        assigned_physician_id uuid,
        accept_by timestamptz,
        due_at timestamptz,
        follow_ups_included integer NOT NULL DEFAULT 0,
        follow_ups_used integer NOT NULL DEFAULT 0,
        -- Attribution, no PHI: the first-party visitor and campaign that brought the patient.
        visitor_id uuid,
        campaign jsonb,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        submitted_at timestamptz,
        accepted_at timestamptz,
        delivered_at timestamptz,
        closed_at timestamptz,
        PRIMARY KEY (tenant_id, id),
        UNIQUE (tenant_id, number),
        FOREIGN KEY (tenant_id, patient_id) REFERENCES accounts (tenant_id, id)
      );
      CREATE INDEX cases_by_patient ON cases (tenant_id, patient_id, created_at DESC);
      CREATE INDEX cases_queue ON cases (tenant_id, state, due_at) WHERE state NOT IN ('draft', 'closed', 'declined', 'cancelled', 'refunded');
      CREATE INDEX cases_by_physician ON cases (tenant_id, assigned_physician_id, due_at) WHERE assigned_physician_id IS NOT NULL;
      ALTER TABLE cases ENABLE ROW LEVEL SECURITY;
      ALTER TABLE cases FORCE ROW LEVEL SECURITY;
      CREATE POLICY tenant_isolation ON cases
        USING (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid)
        WITH CHECK (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid);
      -- A local physician sees exactly one case.
      ALTER TABLE accounts ADD CONSTRAINT accounts_scope_case_fk FOREIGN KEY (tenant_id, scope_case_id) REFERENCES cases (tenant_id, id);

      CREATE TABLE case_events (
        tenant_id uuid NOT NULL,
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        case_id uuid NOT NULL,
        seq integer NOT NULL,
        type text NOT NULL,
        from_state text,
        to_state text,
        actor_kind text NOT NULL,
        actor_id uuid,
        data jsonb NOT NULL DEFAULT '{}',
        occurred_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, id),
        UNIQUE (tenant_id, case_id, seq),
        FOREIGN KEY (tenant_id, case_id) REFERENCES cases (tenant_id, id)
      );
      CREATE INDEX case_events_by_type_time ON case_events (tenant_id, type, occurred_at);
      ALTER TABLE case_events ENABLE ROW LEVEL SECURITY;
      ALTER TABLE case_events FORCE ROW LEVEL SECURITY;
      CREATE POLICY tenant_isolation ON case_events
        USING (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid)
        WITH CHECK (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid);
      REVOKE UPDATE, DELETE, TRUNCATE ON case_events FROM consilium_app, consilium_operator;
      CREATE FUNCTION case_events_are_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'case_events is append-only';
      END $$;
      CREATE TRIGGER case_events_immutable BEFORE UPDATE OR DELETE ON case_events
        FOR EACH ROW EXECUTE FUNCTION case_events_are_immutable();

      CREATE TABLE case_consents (
        tenant_id uuid NOT NULL,
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        case_id uuid NOT NULL,
        kind text NOT NULL CHECK (kind IN ('terms', 'records_authorization', 'educational_disclaimer', 'physician_to_physician')),
        version text NOT NULL,
        text_sha256 text NOT NULL,
        accepted_at timestamptz NOT NULL DEFAULT now(),
        account_id uuid NOT NULL,
        ip inet,
        PRIMARY KEY (tenant_id, id),
        UNIQUE (tenant_id, case_id, kind),
        FOREIGN KEY (tenant_id, case_id) REFERENCES cases (tenant_id, id),
        FOREIGN KEY (tenant_id, account_id) REFERENCES accounts (tenant_id, id)
      );
      ALTER TABLE case_consents ENABLE ROW LEVEL SECURITY;
      ALTER TABLE case_consents FORCE ROW LEVEL SECURITY;
      CREATE POLICY tenant_isolation ON case_consents
        USING (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid)
        WITH CHECK (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid);
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE accounts DROP CONSTRAINT accounts_scope_case_fk;
      DROP TABLE case_consents, case_events, cases, case_number_counters;
      DROP FUNCTION case_events_are_immutable();
    `);
  }
}
