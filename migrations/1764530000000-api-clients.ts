import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Server-to-server credentials for /api/v1 (issue 24), in identity's tables:
 * - an API credential is either a key sent as the bearer token on every call (`key`, as before) or an OAuth 2.0
 *   client whose secret is only ever sent to the token endpoint (`oauth_client`, the client credentials grant);
 * - the access tokens issued to clients: hashed, short-lived, scoped to a subset of the client's scopes, and dead the
 *   moment their client is revoked (resolution joins the client).
 */
export class ApiClients1764530000000 implements MigrationInterface {
  name = 'ApiClients1764530000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE api_keys ADD COLUMN kind text NOT NULL DEFAULT 'key' CHECK (kind IN ('key', 'oauth_client'));

      CREATE TABLE oauth_access_tokens (
        tenant_id uuid NOT NULL,
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        client_id uuid NOT NULL,
        token_hash bytea NOT NULL,
        scopes text[] NOT NULL,
        issued_at timestamptz NOT NULL DEFAULT now(),
        expires_at timestamptz NOT NULL,
        PRIMARY KEY (tenant_id, id),
        UNIQUE (tenant_id, token_hash),
        FOREIGN KEY (tenant_id, client_id) REFERENCES api_keys (tenant_id, id)
      );
      CREATE INDEX oauth_access_tokens_by_client ON oauth_access_tokens (tenant_id, client_id, expires_at);
      ALTER TABLE oauth_access_tokens ENABLE ROW LEVEL SECURITY;
      ALTER TABLE oauth_access_tokens FORCE ROW LEVEL SECURITY;
      CREATE POLICY tenant_isolation ON oauth_access_tokens
        USING (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid)
        WITH CHECK (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid);
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE oauth_access_tokens; ALTER TABLE api_keys DROP COLUMN kind;`);
  }
}
