import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * SMS, opt-in twice: the hospital turns it on (blueprint `sms:` or the console, kept in tenants.settings), and each
 * patient gives a number and consent, recorded with the time it was given (`sms_consents`). An inbound STOP from the
 * provider revokes it for that number, with the time and how (`revoked_by`). `outbound_sms` is one row per text, like
 * `outbound_emails`: it carries a template and the case id, never words, and its `send-sms` job sends it once.
 */
export class Sms1764560000002 implements MigrationInterface {
  name = 'Sms1764560000002';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE sms_consents (
        tenant_id uuid NOT NULL,
        account_id uuid NOT NULL,
        phone text NOT NULL CHECK (phone ~ '^\\+[1-9][0-9]{6,14}$'),
        consented_at timestamptz NOT NULL,
        revoked_at timestamptz,
        revoked_by text CHECK (revoked_by IN ('patient', 'stop_keyword')),
        PRIMARY KEY (tenant_id, account_id),
        FOREIGN KEY (tenant_id, account_id) REFERENCES accounts (tenant_id, id) ON DELETE CASCADE,
        CHECK ((revoked_at IS NULL) = (revoked_by IS NULL))
      );
      CREATE INDEX sms_consents_phone ON sms_consents (tenant_id, phone);
      ALTER TABLE sms_consents ENABLE ROW LEVEL SECURITY;
      ALTER TABLE sms_consents FORCE ROW LEVEL SECURITY;
      CREATE POLICY tenant_isolation ON sms_consents
        USING (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid)
        WITH CHECK (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid);

      CREATE TABLE outbound_sms (
        tenant_id uuid NOT NULL,
        id uuid NOT NULL,
        account_id uuid NOT NULL,
        template text NOT NULL,
        locale text,
        to_number text NOT NULL CHECK (to_number ~ '^\\+[1-9][0-9]{6,14}$'),
        data jsonb,
        status text NOT NULL CHECK (status IN ('queued', 'sent', 'stopped', 'failed')),
        status_reason text,
        transport text CHECK (transport IN ('outbox', 'pinpoint')),
        provider_message_id text,
        created_at timestamptz NOT NULL DEFAULT now(),
        sent_at timestamptz,
        PRIMARY KEY (tenant_id, id),
        FOREIGN KEY (tenant_id, account_id) REFERENCES accounts (tenant_id, id) ON DELETE CASCADE
      );
      ALTER TABLE outbound_sms ENABLE ROW LEVEL SECURITY;
      ALTER TABLE outbound_sms FORCE ROW LEVEL SECURITY;
      CREATE POLICY tenant_isolation ON outbound_sms
        USING (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid)
        WITH CHECK (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid);
      REVOKE DELETE ON sms_consents, outbound_sms FROM consilium_app;
      SELECT pgboss.create_queue('send-sms', '{"policy": "standard"}');
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`SELECT pgboss.delete_queue('send-sms'); DROP TABLE outbound_sms; DROP TABLE sms_consents;`);
  }
}
