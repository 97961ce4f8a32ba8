import { MigrationInterface, QueryRunner } from 'typeorm';

const RLS = (table: string) => `
  ALTER TABLE ${table} ENABLE ROW LEVEL SECURITY;
  ALTER TABLE ${table} FORCE ROW LEVEL SECURITY;
  CREATE POLICY tenant_isolation ON ${table}
    USING (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid)
    WITH CHECK (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid);`;

/**
 * Staff sign in with the hospital's own identity provider (issue 23).
 *
 * - `sso_connections`: a hospital's OpenID provider or SAML IdP, as its admin (or its blueprint) configured it. An
 *   OpenID client secret is either sealed with the platform's secret box (typed in the console) or named by an
 *   environment variable (a blueprint never holds secrets), never both absent. A SAML IdP is its entity ID (issuer),
 *   its single sign-on URL and its signing certificates, from its metadata.
 * - `sso_sign_in_attempts`: one row per "Sign in with ...": the SHA-256 of its `state`, the nonce and PKCE verifier,
 *   used once. A callback whose state is unknown here (another hospital's, an old or a replayed one) is refused.
 * - `sso_identities`: the IdP's subject behind a staff account, so a renamed address still finds its person.
 * - `saml_seen_assertions`: IDs of SAML assertions already used, kept until they expire, so none is accepted twice.
 * - `scim_tokens`: bearer tokens of the hospital's directory (SCIM 2.0), only their SHA-256 kept.
 * - `accounts.scim_external_id`: the directory's own id of a provisioned account; `deprovisioned_at`: the directory
 *   deleted the person (the account stays, disabled, for the audit trail and the cases it touched).
 */
export class StaffSingleSignOn1764550000000 implements MigrationInterface {
  name = 'StaffSingleSignOn1764550000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE sso_connections (
        tenant_id uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        protocol text NOT NULL CHECK (protocol IN ('oidc', 'saml')),
        display_name text NOT NULL CHECK (length(display_name) BETWEEN 1 AND 80),
        issuer text NOT NULL CHECK (issuer ~ '^https?://'),
        client_id text CHECK (length(client_id) BETWEEN 1 AND 255),
        client_secret_sealed text,
        client_secret_env text CHECK (client_secret_env ~ '^[A-Z][A-Z0-9_]*$'),
        allowed_domains text[] NOT NULL CHECK (cardinality(allowed_domains) > 0),
        role_claim text NOT NULL DEFAULT 'groups',
        role_map jsonb NOT NULL DEFAULT '{}',
        mfa_acr_values text[] NOT NULL DEFAULT '{}',
        require_sso boolean NOT NULL DEFAULT false,
        break_glass_email text CHECK (break_glass_email = lower(break_glass_email)),
        saml_entry_point text CHECK (saml_entry_point ~ '^https?://'),
        saml_idp_certs text[],
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, id),
        UNIQUE (tenant_id, protocol),
        CHECK (protocol <> 'oidc' OR (client_id IS NOT NULL AND (client_secret_sealed IS NOT NULL OR client_secret_env IS NOT NULL))),
        CHECK (protocol <> 'saml' OR (saml_entry_point IS NOT NULL AND cardinality(saml_idp_certs) > 0))
      );
      ${RLS('sso_connections')}

      CREATE TABLE sso_sign_in_attempts (
        tenant_id uuid NOT NULL,
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        connection_id uuid NOT NULL,
        state_hash bytea NOT NULL,
        nonce text NOT NULL,
        code_verifier text NOT NULL,
        next_path text CHECK (next_path IS NULL OR (next_path LIKE '/%' AND next_path NOT LIKE '//%')),
        created_at timestamptz NOT NULL DEFAULT now(),
        expires_at timestamptz NOT NULL,
        used_at timestamptz,
        PRIMARY KEY (tenant_id, id),
        UNIQUE (tenant_id, state_hash),
        FOREIGN KEY (tenant_id, connection_id) REFERENCES sso_connections (tenant_id, id) ON DELETE CASCADE
      );
      CREATE INDEX sso_sign_in_attempts_expiry ON sso_sign_in_attempts (tenant_id, expires_at);
      ${RLS('sso_sign_in_attempts')}

      CREATE TABLE sso_identities (
        tenant_id uuid NOT NULL,
        connection_id uuid NOT NULL,
        subject text NOT NULL,
        account_id uuid NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        last_sign_in_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, connection_id, subject),
        FOREIGN KEY (tenant_id, connection_id) REFERENCES sso_connections (tenant_id, id) ON DELETE CASCADE,
        FOREIGN KEY (tenant_id, account_id) REFERENCES accounts (tenant_id, id) ON DELETE CASCADE
      );
      ${RLS('sso_identities')}

      CREATE TABLE saml_seen_assertions (
        tenant_id uuid NOT NULL,
        assertion_id text NOT NULL,
        expires_at timestamptz NOT NULL,
        PRIMARY KEY (tenant_id, assertion_id)
      );
      CREATE INDEX saml_seen_assertions_expiry ON saml_seen_assertions (tenant_id, expires_at);
      ${RLS('saml_seen_assertions')}

      CREATE TABLE scim_tokens (
        tenant_id uuid NOT NULL,
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        name text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
        token_hash bytea NOT NULL,
        created_by uuid NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        last_used_at timestamptz,
        revoked_at timestamptz,
        PRIMARY KEY (tenant_id, id),
        UNIQUE (tenant_id, token_hash),
        FOREIGN KEY (tenant_id, created_by) REFERENCES accounts (tenant_id, id)
      );
      ${RLS('scim_tokens')}

      ALTER TABLE accounts ADD COLUMN scim_external_id text, ADD COLUMN deprovisioned_at timestamptz;
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE accounts DROP COLUMN scim_external_id, DROP COLUMN deprovisioned_at;
      DROP TABLE scim_tokens, saml_seen_assertions, sso_identities, sso_sign_in_attempts, sso_connections;
    `);
  }
}
