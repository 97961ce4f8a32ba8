import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Outbound webhooks (issue 24), the integrations lib's tables:
 * - an endpoint is a hospital's URL with the events it wants and its signing secret (Standard Webhooks `whsec_`,
 *   kept to sign with, never shown again after it is made); it is disabled after a run of failed attempts;
 * - a delivery is one event for one endpoint: its payload (ids only), written in the transaction of the change that
 *   caused it, and how its attempts went. `webhook-id` is the delivery's id, so a receiver dedupes by it.
 * The `webhook-deliver` queue runs each attempt.
 */
export class Webhooks1764530000002 implements MigrationInterface {
  name = 'Webhooks1764530000002';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE webhook_endpoints (
        tenant_id uuid NOT NULL REFERENCES tenants (id),
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        url text NOT NULL CHECK (length(url) <= 2000),
        events text[] NOT NULL CHECK (cardinality(events) > 0),
        secret text NOT NULL,
        created_by uuid NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        disabled_at timestamptz,
        failures_in_row integer NOT NULL DEFAULT 0,
        first_failure_at timestamptz,
        PRIMARY KEY (tenant_id, id),
        FOREIGN KEY (tenant_id, created_by) REFERENCES accounts (tenant_id, id)
      );

      CREATE TABLE webhook_deliveries (
        tenant_id uuid NOT NULL REFERENCES tenants (id),
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        endpoint_id uuid NOT NULL,
        event_type text NOT NULL,
        payload jsonb NOT NULL,
        status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered', 'failed')),
        attempts integer NOT NULL DEFAULT 0,
        last_status integer,
        last_error text,
        created_at timestamptz NOT NULL DEFAULT now(),
        last_attempt_at timestamptz,
        delivered_at timestamptz,
        PRIMARY KEY (tenant_id, id),
        FOREIGN KEY (tenant_id, endpoint_id) REFERENCES webhook_endpoints (tenant_id, id)
      );
      CREATE INDEX webhook_deliveries_log ON webhook_deliveries (tenant_id, endpoint_id, created_at DESC);

      ALTER TABLE webhook_endpoints ENABLE ROW LEVEL SECURITY;
      ALTER TABLE webhook_endpoints FORCE ROW LEVEL SECURITY;
      CREATE POLICY tenant_isolation ON webhook_endpoints
        USING (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid)
        WITH CHECK (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid);
      ALTER TABLE webhook_deliveries ENABLE ROW LEVEL SECURITY;
      ALTER TABLE webhook_deliveries FORCE ROW LEVEL SECURITY;
      CREATE POLICY tenant_isolation ON webhook_deliveries
        USING (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid)
        WITH CHECK (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid);

      SELECT pgboss.create_queue('webhook-deliver', '{"policy": "standard"}');
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      SELECT pgboss.delete_queue('webhook-deliver');
      DROP TABLE webhook_deliveries;
      DROP TABLE webhook_endpoints;
    `);
  }
}
