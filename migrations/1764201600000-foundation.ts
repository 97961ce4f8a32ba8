import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Roles' default privileges, the tenants and their domains and brand assets, row-level security, and the
 * NOTIFY trigger that keeps every instance's host cache current.
 *
 * Conventions every later migration follows:
 * - a tenant-owned table has `tenant_id uuid NOT NULL`, `PRIMARY KEY (tenant_id, id)`, composite foreign keys
 *   `(tenant_id, x_id)`, and the `tenant_isolation` policy, ENABLEd and FORCEd;
 * - tables are created by the owner role, so the default privileges below grant DML to the runtime and operator
 *   roles; anything narrower (append-only tables) REVOKEs explicitly.
 */
export class Foundation1764201600000 implements MigrationInterface {
  name = 'Foundation1764201600000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      GRANT USAGE ON SCHEMA public TO consilium_app, consilium_operator;
      ALTER DEFAULT PRIVILEGES FOR ROLE consilium_owner IN SCHEMA public
        GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO consilium_app, consilium_operator;
      ALTER DEFAULT PRIVILEGES FOR ROLE consilium_owner IN SCHEMA public
        GRANT USAGE, SELECT ON SEQUENCES TO consilium_app, consilium_operator;
      GRANT SELECT ON migrations TO consilium_app, consilium_operator;

      CREATE TABLE tenants (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        slug text NOT NULL UNIQUE CHECK (slug ~ '^[a-z0-9]([a-z0-9-]{0,38}[a-z0-9])?$'),
        name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
        status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'suspended')),
        case_prefix text NOT NULL CHECK (case_prefix ~ '^[A-Z]{2,5}$'),
        default_locale text NOT NULL DEFAULT 'en',
        time_zone text NOT NULL DEFAULT 'UTC',
        currency char(3) NOT NULL DEFAULT 'USD',
        branding jsonb NOT NULL DEFAULT '{}',
        profile jsonb NOT NULL DEFAULT '{}',
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      );
      -- The tenants table is keyed by id rather than tenant_id: a tenant sees its own row only.
      ALTER TABLE tenants ENABLE ROW LEVEL SECURITY;
      ALTER TABLE tenants FORCE ROW LEVEL SECURITY;
      CREATE POLICY tenant_isolation ON tenants
        USING (id = NULLIF(current_setting('app.tenant_id', true), '')::uuid)
        WITH CHECK (id = NULLIF(current_setting('app.tenant_id', true), '')::uuid);
      -- Tenants are created and suspended only through the operator path.
      REVOKE INSERT, DELETE ON tenants FROM consilium_app;

      CREATE TABLE tenant_domains (
        tenant_id uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        host text NOT NULL CHECK (host ~ '^[a-z0-9]([a-z0-9.-]*[a-z0-9])?$'),
        is_primary boolean NOT NULL DEFAULT false,
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, id),
        -- One host belongs to one tenant platform-wide. With Citus this table is a reference table, not distributed.
        CONSTRAINT tenant_domains_host_key UNIQUE (host)
      );
      CREATE UNIQUE INDEX tenant_domains_one_primary ON tenant_domains (tenant_id) WHERE is_primary;
      ALTER TABLE tenant_domains ENABLE ROW LEVEL SECURITY;
      ALTER TABLE tenant_domains FORCE ROW LEVEL SECURITY;
      CREATE POLICY tenant_isolation ON tenant_domains
        USING (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid)
        WITH CHECK (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid);
      -- Host names are public DNS facts: the resolver must read them before it knows the tenant. Reads only.
      CREATE POLICY host_lookup ON tenant_domains FOR SELECT TO consilium_app USING (true);

      CREATE TABLE tenant_assets (
        tenant_id uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        name text NOT NULL CHECK (name ~ '^[a-z0-9][a-z0-9._-]{0,80}$'),
        content_type text NOT NULL,
        sha256 text NOT NULL,
        bytes bytea NOT NULL CHECK (octet_length(bytes) <= 2097152),
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, id),
        UNIQUE (tenant_id, name)
      );
      ALTER TABLE tenant_assets ENABLE ROW LEVEL SECURITY;
      ALTER TABLE tenant_assets FORCE ROW LEVEL SECURITY;
      CREATE POLICY tenant_isolation ON tenant_assets
        USING (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid)
        WITH CHECK (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid);

      -- Every write to a tenant or its domains tells every instance to drop its cached resolution (sent at commit).
      CREATE FUNCTION notify_tenant_changed() RETURNS trigger LANGUAGE plpgsql AS $$
      DECLARE
        changed uuid;
      BEGIN
        IF TG_TABLE_NAME = 'tenants' THEN
          changed := CASE WHEN TG_OP = 'DELETE' THEN OLD.id ELSE NEW.id END;
        ELSE
          changed := CASE WHEN TG_OP = 'DELETE' THEN OLD.tenant_id ELSE NEW.tenant_id END;
        END IF;
        PERFORM pg_notify('consilium_tenant_changed', changed::text);
        RETURN NULL;
      END $$;
      CREATE TRIGGER tenants_changed AFTER INSERT OR UPDATE OR DELETE ON tenants
        FOR EACH ROW EXECUTE FUNCTION notify_tenant_changed();
      CREATE TRIGGER tenant_domains_changed AFTER INSERT OR UPDATE OR DELETE ON tenant_domains
        FOR EACH ROW EXECUTE FUNCTION notify_tenant_changed();
      CREATE TRIGGER tenant_assets_changed AFTER INSERT OR UPDATE OR DELETE ON tenant_assets
        FOR EACH ROW EXECUTE FUNCTION notify_tenant_changed();
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      DROP TABLE tenant_assets;
      DROP TABLE tenant_domains;
      DROP TABLE tenants;
      DROP FUNCTION notify_tenant_changed();
    `);
  }
}
