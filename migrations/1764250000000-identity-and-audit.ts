import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Accounts (staff, patients, local physicians per tenant; operators platform-wide), server-side sessions, one-time
 * tokens, MFA recovery codes, API keys, sign-in throttling, and the append-only audit log.
 */
export class IdentityAndAudit1764250000000 implements MigrationInterface {
  name = 'IdentityAndAudit1764250000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE accounts (
        tenant_id uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        kind text NOT NULL CHECK (kind IN ('staff', 'patient', 'local_physician')),
        email text NOT NULL CHECK (email = lower(email) AND length(email) BETWEEN 3 AND 254),
        name text NOT NULL DEFAULT '',
        password_hash text,
        email_verified_at timestamptz,
        totp_secret text,
        totp_enabled_at timestamptz,
        totp_last_step bigint,
        locale text NOT NULL DEFAULT 'en',
        disabled_at timestamptz,
        -- A local physician sees one case; the pipeline migration adds the foreign key to cases.
        scope_case_id uuid,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, id),
        -- The same email at another hospital is another, unrelated account; staff and patient are separate too.
        UNIQUE (tenant_id, kind, email)
      );
      ALTER TABLE accounts ENABLE ROW LEVEL SECURITY;
      ALTER TABLE accounts FORCE ROW LEVEL SECURITY;
      CREATE POLICY tenant_isolation ON accounts
        USING (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid)
        WITH CHECK (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid);

      CREATE TABLE staff_roles (
        tenant_id uuid NOT NULL,
        account_id uuid NOT NULL,
        role text NOT NULL CHECK (role IN ('admin', 'coordinator', 'physician')),
        granted_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, account_id, role),
        FOREIGN KEY (tenant_id, account_id) REFERENCES accounts (tenant_id, id) ON DELETE CASCADE
      );
      ALTER TABLE staff_roles ENABLE ROW LEVEL SECURITY;
      ALTER TABLE staff_roles FORCE ROW LEVEL SECURITY;
      CREATE POLICY tenant_isolation ON staff_roles
        USING (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid)
        WITH CHECK (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid);

      CREATE TABLE sessions (
        tenant_id uuid NOT NULL,
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        account_id uuid NOT NULL,
        token_hash bytea NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        last_seen_at timestamptz NOT NULL DEFAULT now(),
        idle_timeout_seconds integer NOT NULL,
        expires_at timestamptz NOT NULL,
        mfa_verified_at timestamptz,
        revoked_at timestamptz,
        ip inet,
        user_agent text,
        PRIMARY KEY (tenant_id, id),
        UNIQUE (tenant_id, token_hash),
        FOREIGN KEY (tenant_id, account_id) REFERENCES accounts (tenant_id, id) ON DELETE CASCADE
      );
      CREATE INDEX sessions_by_account ON sessions (tenant_id, account_id) WHERE revoked_at IS NULL;
      ALTER TABLE sessions ENABLE ROW LEVEL SECURITY;
      ALTER TABLE sessions FORCE ROW LEVEL SECURITY;
      CREATE POLICY tenant_isolation ON sessions
        USING (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid)
        WITH CHECK (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid);

      CREATE TABLE auth_tokens (
        tenant_id uuid NOT NULL,
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        account_id uuid NOT NULL,
        purpose text NOT NULL CHECK (purpose IN ('magic_link', 'password_reset', 'invitation', 'email_verification')),
        token_hash bytea NOT NULL,
        expires_at timestamptz NOT NULL,
        used_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, id),
        UNIQUE (tenant_id, token_hash),
        FOREIGN KEY (tenant_id, account_id) REFERENCES accounts (tenant_id, id) ON DELETE CASCADE
      );
      ALTER TABLE auth_tokens ENABLE ROW LEVEL SECURITY;
      ALTER TABLE auth_tokens FORCE ROW LEVEL SECURITY;
      CREATE POLICY tenant_isolation ON auth_tokens
        USING (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid)
        WITH CHECK (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid);

      CREATE TABLE recovery_codes (
        tenant_id uuid NOT NULL,
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        account_id uuid NOT NULL,
        code_hash bytea NOT NULL,
        used_at timestamptz,
        PRIMARY KEY (tenant_id, id),
        FOREIGN KEY (tenant_id, account_id) REFERENCES accounts (tenant_id, id) ON DELETE CASCADE
      );
      ALTER TABLE recovery_codes ENABLE ROW LEVEL SECURITY;
      ALTER TABLE recovery_codes FORCE ROW LEVEL SECURITY;
      CREATE POLICY tenant_isolation ON recovery_codes
        USING (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid)
        WITH CHECK (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid);

      CREATE TABLE api_keys (
        tenant_id uuid NOT NULL,
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        name text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
        prefix text NOT NULL,
        key_hash bytea NOT NULL,
        scopes text[] NOT NULL,
        created_by uuid NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        last_used_at timestamptz,
        revoked_at timestamptz,
        PRIMARY KEY (tenant_id, id),
        UNIQUE (tenant_id, key_hash),
        FOREIGN KEY (tenant_id, created_by) REFERENCES accounts (tenant_id, id)
      );
      ALTER TABLE api_keys ENABLE ROW LEVEL SECURITY;
      ALTER TABLE api_keys FORCE ROW LEVEL SECURITY;
      CREATE POLICY tenant_isolation ON api_keys
        USING (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid)
        WITH CHECK (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid);

      -- Operators are platform staff, not tenant data: only the operator role can read or write them.
      CREATE TABLE operators (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        email text NOT NULL UNIQUE CHECK (email = lower(email)),
        name text NOT NULL DEFAULT '',
        password_hash text NOT NULL,
        totp_secret text,
        totp_enabled_at timestamptz,
        totp_last_step bigint,
        disabled_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE TABLE operator_sessions (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        operator_id uuid NOT NULL REFERENCES operators (id) ON DELETE CASCADE,
        token_hash bytea NOT NULL UNIQUE,
        created_at timestamptz NOT NULL DEFAULT now(),
        last_seen_at timestamptz NOT NULL DEFAULT now(),
        idle_timeout_seconds integer NOT NULL,
        expires_at timestamptz NOT NULL,
        mfa_verified_at timestamptz,
        revoked_at timestamptz,
        ip inet,
        user_agent text
      );
      CREATE TABLE operator_recovery_codes (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        operator_id uuid NOT NULL REFERENCES operators (id) ON DELETE CASCADE,
        code_hash bytea NOT NULL,
        used_at timestamptz
      );
      REVOKE ALL ON operators, operator_sessions, operator_recovery_codes FROM consilium_app;

      -- Failed sign-ins per IP and per account, across tenants (an attacker does not stay on one host). No PHI.
      CREATE TABLE auth_throttle (
        key text PRIMARY KEY,
        failures integer NOT NULL DEFAULT 0,
        first_failure_at timestamptz NOT NULL DEFAULT now(),
        blocked_until timestamptz,
        notified_at timestamptz
      );

      -- Append-only: who did what to which record, allowed or denied, from where.
      CREATE TABLE audit_events (
        tenant_id uuid NOT NULL REFERENCES tenants (id),
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        occurred_at timestamptz NOT NULL DEFAULT now(),
        actor_kind text NOT NULL,
        actor_id uuid,
        action text NOT NULL,
        entity_type text,
        entity_id uuid,
        -- The patient whose information this touched, so "who accessed this patient" is one indexed query.
        subject_id uuid,
        outcome text NOT NULL CHECK (outcome IN ('allowed', 'denied')),
        ip inet,
        user_agent text,
        request_id text,
        PRIMARY KEY (tenant_id, id)
      );
      CREATE INDEX audit_events_by_time ON audit_events (tenant_id, occurred_at DESC);
      CREATE INDEX audit_events_by_subject ON audit_events (tenant_id, subject_id, occurred_at DESC) WHERE subject_id IS NOT NULL;
      CREATE INDEX audit_events_by_actor ON audit_events (tenant_id, actor_id, occurred_at DESC);
      ALTER TABLE audit_events ENABLE ROW LEVEL SECURITY;
      ALTER TABLE audit_events FORCE ROW LEVEL SECURITY;
      CREATE POLICY tenant_isolation ON audit_events
        USING (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid)
        WITH CHECK (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid);
      REVOKE UPDATE, DELETE, TRUNCATE ON audit_events FROM consilium_app, consilium_operator;
      -- Even the owner cannot rewrite history by accident.
      CREATE FUNCTION audit_events_are_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'audit_events is append-only';
      END $$;
      CREATE TRIGGER audit_events_append_only BEFORE UPDATE OR DELETE ON audit_events
        FOR EACH ROW EXECUTE FUNCTION audit_events_are_append_only();

      -- Platform-level audit of operators (onboarding, suspensions, sign-ins).
      CREATE TABLE operator_audit_events (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        occurred_at timestamptz NOT NULL DEFAULT now(),
        operator_id uuid,
        action text NOT NULL,
        entity_type text,
        entity_id uuid,
        outcome text NOT NULL CHECK (outcome IN ('allowed', 'denied')),
        ip inet,
        user_agent text,
        request_id text
      );
      REVOKE ALL ON operator_audit_events FROM consilium_app;
      REVOKE UPDATE, DELETE, TRUNCATE ON operator_audit_events FROM consilium_operator;
      CREATE TRIGGER operator_audit_events_append_only BEFORE UPDATE OR DELETE ON operator_audit_events
        FOR EACH ROW EXECUTE FUNCTION audit_events_are_append_only();
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      DROP TABLE operator_audit_events, audit_events, auth_throttle, operator_recovery_codes, operator_sessions, operators,
        api_keys, recovery_codes, auth_tokens, sessions, staff_roles, accounts;
      DROP FUNCTION audit_events_are_append_only();
    `);
  }
}
