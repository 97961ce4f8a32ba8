import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Money (issue 8): each hospital's payment account (Stripe Connect), payments per case with the amounts the provider
 * reported, refunds, the provider events already applied, and funding budgets with their append-only ledger.
 *
 * Amounts are integer minor units beside a currency. A payment's amounts and timestamps only ever grow or get set
 * once, so events applied in any order, any number of times, end in the same row (see payment-status.ts).
 */
export class Payments1764340000000 implements MigrationInterface {
  name = 'Payments1764340000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE tenant_payment_accounts (
        tenant_id uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
        provider text NOT NULL CHECK (provider IN ('stripe', 'demo')),
        account_id text NOT NULL,
        charges_enabled boolean NOT NULL DEFAULT false,
        payouts_enabled boolean NOT NULL DEFAULT false,
        details_submitted boolean NOT NULL DEFAULT false,
        -- The platform's fee for this hospital; NULL means PLATFORM_FEE_BPS.
        platform_fee_bps integer CHECK (platform_fee_bps BETWEEN 0 AND 10000),
        -- The time of the provider event the status came from: an older event never overwrites a newer one.
        status_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id),
        CONSTRAINT tenant_payment_accounts_account_key UNIQUE (provider, account_id)
      );
      ALTER TABLE tenant_payment_accounts ENABLE ROW LEVEL SECURITY;
      ALTER TABLE tenant_payment_accounts FORCE ROW LEVEL SECURITY;
      CREATE POLICY tenant_isolation ON tenant_payment_accounts
        USING (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid)
        WITH CHECK (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid);

      CREATE TABLE payments (
        tenant_id uuid NOT NULL REFERENCES tenants (id),
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        case_id uuid NOT NULL,
        patient_id uuid NOT NULL,
        -- Checkout attempts of one case are numbered: the idempotency key of each attempt includes it.
        attempt integer NOT NULL CHECK (attempt >= 1),
        -- 'none': the quote was fully funded, nothing to charge.
        provider text NOT NULL CHECK (provider IN ('stripe', 'demo', 'none')),
        checkout_session_id text,
        payment_intent_id text,
        checkout_url text,
        currency char(3) NOT NULL,
        amount_minor integer NOT NULL CHECK (amount_minor >= 0),
        funding_program_id uuid,
        funded_minor integer NOT NULL DEFAULT 0 CHECK (funded_minor >= 0),
        application_fee_minor integer NOT NULL DEFAULT 0 CHECK (application_fee_minor >= 0),
        authorized_minor integer NOT NULL DEFAULT 0 CHECK (authorized_minor >= 0),
        captured_minor integer NOT NULL DEFAULT 0 CHECK (captured_minor >= 0),
        refunded_minor integer NOT NULL DEFAULT 0 CHECK (refunded_minor >= 0),
        status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'authorized', 'captured', 'released', 'refunded',
          'partially_refunded', 'failed', 'disputed')),
        failure_code text,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        authorized_at timestamptz,
        captured_at timestamptz,
        released_at timestamptz,
        failed_at timestamptz,
        refunded_at timestamptz,
        disputed_at timestamptz,
        PRIMARY KEY (tenant_id, id),
        UNIQUE (tenant_id, case_id, attempt),
        -- Provider ids are unique at the provider; keyed with tenant_id so the table can be distributed by tenant.
        CONSTRAINT payments_checkout_session_key UNIQUE (tenant_id, checkout_session_id),
        CONSTRAINT payments_payment_intent_key UNIQUE (tenant_id, payment_intent_id),
        FOREIGN KEY (tenant_id, case_id) REFERENCES cases (tenant_id, id),
        FOREIGN KEY (tenant_id, patient_id) REFERENCES accounts (tenant_id, id),
        CHECK (captured_minor <= authorized_minor),
        CHECK (refunded_minor <= captured_minor)
      );
      -- One live payment per case; a failed or released attempt makes room for the next.
      CREATE UNIQUE INDEX payments_one_live_per_case ON payments (tenant_id, case_id) WHERE status NOT IN ('failed', 'released');
      CREATE INDEX payments_by_patient ON payments (tenant_id, patient_id, created_at DESC);
      CREATE INDEX payments_by_time ON payments (tenant_id, created_at);
      ALTER TABLE payments ENABLE ROW LEVEL SECURITY;
      ALTER TABLE payments FORCE ROW LEVEL SECURITY;
      CREATE POLICY tenant_isolation ON payments
        USING (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid)
        WITH CHECK (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid);
      REVOKE DELETE, TRUNCATE ON payments FROM consilium_app;

      CREATE TABLE payment_refunds (
        tenant_id uuid NOT NULL,
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        payment_id uuid NOT NULL,
        provider_refund_id text NOT NULL,
        amount_minor integer NOT NULL CHECK (amount_minor > 0),
        -- Staff's own words: kept here, never sent to the provider (it may describe the patient).
        reason text NOT NULL,
        created_by uuid,
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, id),
        CONSTRAINT payment_refunds_provider_key UNIQUE (tenant_id, provider_refund_id),
        FOREIGN KEY (tenant_id, payment_id) REFERENCES payments (tenant_id, id)
      );
      ALTER TABLE payment_refunds ENABLE ROW LEVEL SECURITY;
      ALTER TABLE payment_refunds FORCE ROW LEVEL SECURITY;
      CREATE POLICY tenant_isolation ON payment_refunds
        USING (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid)
        WITH CHECK (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid);
      REVOKE UPDATE, DELETE, TRUNCATE ON payment_refunds FROM consilium_app;

      -- Provider events already applied, keyed by the provider's event id (Stripe sends one stream for all
      -- hospitals, so the key is global), inserted in the same transaction as the event's effect. The tenant comes
      -- from the event's metadata and is not a foreign key: events for unknown tenants are recorded and ignored, and
      -- events naming no tenant at all are recorded under the nil uuid. Ids and types only, no health information.
      CREATE TABLE payment_events (
        provider text NOT NULL CHECK (provider IN ('stripe', 'demo')),
        event_id text NOT NULL,
        type text NOT NULL,
        tenant_id uuid NOT NULL,
        payment_id uuid,
        outcome text NOT NULL CHECK (outcome IN ('applied', 'ignored')),
        occurred_at timestamptz NOT NULL,
        received_at timestamptz NOT NULL DEFAULT now(),
        -- An event always names the same tenant (from its metadata), so (tenant, provider, event) still applies it once.
        PRIMARY KEY (tenant_id, provider, event_id)
      );
      CREATE INDEX payment_events_by_tenant ON payment_events (tenant_id, received_at);
      ALTER TABLE payment_events ENABLE ROW LEVEL SECURITY;
      ALTER TABLE payment_events FORCE ROW LEVEL SECURITY;
      CREATE POLICY tenant_isolation ON payment_events
        USING (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid)
        WITH CHECK (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid);
      REVOKE UPDATE, DELETE, TRUNCATE ON payment_events FROM consilium_app;

      -- What a funding program may still pay. program_id will reference funding_programs (tenant_id, id) once the
      -- catalog lands: ALTER TABLE funding_budgets ADD FOREIGN KEY (tenant_id, program_id) REFERENCES funding_programs.
      CREATE TABLE funding_budgets (
        tenant_id uuid NOT NULL REFERENCES tenants (id),
        program_id uuid NOT NULL,
        currency char(3) NOT NULL,
        budget_minor bigint NOT NULL CHECK (budget_minor >= 0),
        reserved_minor bigint NOT NULL DEFAULT 0 CHECK (reserved_minor >= 0),
        spent_minor bigint NOT NULL DEFAULT 0 CHECK (spent_minor >= 0),
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, program_id),
        -- Never overspent, whatever the code does: the database refuses it.
        CHECK (reserved_minor + spent_minor <= budget_minor)
      );
      ALTER TABLE funding_budgets ENABLE ROW LEVEL SECURITY;
      ALTER TABLE funding_budgets FORCE ROW LEVEL SECURITY;
      CREATE POLICY tenant_isolation ON funding_budgets
        USING (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid)
        WITH CHECK (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid);

      CREATE TABLE funding_ledger (
        tenant_id uuid NOT NULL,
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        program_id uuid NOT NULL,
        payment_id uuid NOT NULL,
        case_id uuid NOT NULL,
        kind text NOT NULL CHECK (kind IN ('reserve', 'spend', 'release')),
        amount_minor bigint NOT NULL CHECK (amount_minor > 0),
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, id),
        -- Each step happens at most once per payment, however often its event arrives.
        UNIQUE (tenant_id, payment_id, kind),
        FOREIGN KEY (tenant_id, program_id) REFERENCES funding_budgets (tenant_id, program_id),
        FOREIGN KEY (tenant_id, payment_id) REFERENCES payments (tenant_id, id),
        FOREIGN KEY (tenant_id, case_id) REFERENCES cases (tenant_id, id)
      );
      ALTER TABLE funding_ledger ENABLE ROW LEVEL SECURITY;
      ALTER TABLE funding_ledger FORCE ROW LEVEL SECURITY;
      CREATE POLICY tenant_isolation ON funding_ledger
        USING (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid)
        WITH CHECK (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid);
      REVOKE UPDATE, DELETE, TRUNCATE ON funding_ledger FROM consilium_app, consilium_operator;
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      DROP TABLE funding_ledger, funding_budgets, payment_events, payment_refunds, payments, tenant_payment_accounts;
    `);
  }
}
