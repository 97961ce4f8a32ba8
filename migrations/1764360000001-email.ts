import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Email: each tenant's sender identity, the messages the platform sends, the per-tenant suppression list, and the
 * `send-email` job queue.
 */
export class Email1764360000001 implements MigrationInterface {
  name = 'Email1764360000001';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      -- Written by the email: section of tenants/<slug>/tenant.yaml, through the operator path.
      CREATE TABLE tenant_email_senders (
        tenant_id uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        from_name text NOT NULL CHECK (length(from_name) BETWEEN 1 AND 100),
        from_address text NOT NULL CHECK (from_address = lower(from_address) AND from_address LIKE '%_@_%'),
        reply_to text,
        configuration_set text CHECK (configuration_set ~ '^[A-Za-z0-9_-]{1,64}$'),
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, id),
        UNIQUE (tenant_id),
        -- A bounce names the From address and configuration set; each must lead to one tenant.
        CONSTRAINT tenant_email_senders_from_key UNIQUE (from_address),
        CONSTRAINT tenant_email_senders_configuration_set_key UNIQUE (configuration_set)
      );
      ALTER TABLE tenant_email_senders ENABLE ROW LEVEL SECURITY;
      ALTER TABLE tenant_email_senders FORCE ROW LEVEL SECURITY;
      CREATE POLICY tenant_isolation ON tenant_email_senders
        USING (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid)
        WITH CHECK (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid);
      -- From addresses are printed on every email we send: the bounce webhook reads sender -> tenant before it knows
      -- the tenant, like host_lookup on tenant_domains. Reads only.
      CREATE POLICY sender_lookup ON tenant_email_senders FOR SELECT TO consilium_app USING (true);
      REVOKE INSERT, UPDATE, DELETE ON tenant_email_senders FROM consilium_app;

      -- One row per message. data holds only the catalogue's typed fields (ids, tokens, numbers; never free text) and
      -- is cleared once the message is sent, since it may carry a sign-in token.
      CREATE TABLE outbound_emails (
        tenant_id uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
        id uuid NOT NULL,
        template text NOT NULL CHECK (template ~ '^[a-z][a-z0-9-]{1,60}$'),
        -- NULL: the hospital's default language, settled when the message is rendered.
        locale text CHECK (locale IN ('en', 'es')),
        to_address text NOT NULL CHECK (length(to_address) BETWEEN 3 AND 320),
        data jsonb,
        status text NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'sent', 'suppressed', 'failed')),
        status_reason text,
        transport text CHECK (transport IN ('outbox', 'ses')),
        provider_message_id text,
        created_at timestamptz NOT NULL DEFAULT now(),
        sent_at timestamptz,
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, id)
      );
      CREATE INDEX outbound_emails_recent ON outbound_emails (tenant_id, created_at DESC);
      ALTER TABLE outbound_emails ENABLE ROW LEVEL SECURITY;
      ALTER TABLE outbound_emails FORCE ROW LEVEL SECURITY;
      CREATE POLICY tenant_isolation ON outbound_emails
        USING (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid)
        WITH CHECK (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid);
      REVOKE DELETE ON outbound_emails FROM consilium_app;

      -- Addresses a tenant must not send to again: a permanent bounce or a complaint about that tenant's mail.
      CREATE TABLE email_suppressions (
        tenant_id uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        address text NOT NULL CHECK (address = lower(address) AND length(address) BETWEEN 3 AND 320),
        reason text NOT NULL CHECK (reason IN ('bounce', 'complaint')),
        detail text,
        feedback_id text,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, id),
        UNIQUE (tenant_id, address)
      );
      ALTER TABLE email_suppressions ENABLE ROW LEVEL SECURITY;
      ALTER TABLE email_suppressions FORCE ROW LEVEL SECURITY;
      CREATE POLICY tenant_isolation ON email_suppressions
        USING (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid)
        WITH CHECK (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid);
      -- Lifting a suppression is an operator decision, not something the app does.
      REVOKE DELETE ON email_suppressions FROM consilium_app;

      SELECT pgboss.create_queue('send-email', '{"policy": "standard"}');
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      SELECT pgboss.delete_queue('send-email');
      DROP TABLE email_suppressions;
      DROP TABLE outbound_emails;
      DROP TABLE tenant_email_senders;
    `);
  }
}
