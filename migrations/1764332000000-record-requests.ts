import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A patient's request that the hospital collect records from another provider: the signed authorization (the
 * typed signature, when and from where) and a task coordinators track until the records arrive.
 */
export class RecordRequests1764332000000 implements MigrationInterface {
  name = 'RecordRequests1764332000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE record_requests (
        tenant_id uuid NOT NULL,
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        case_id uuid NOT NULL,
        provider_name text NOT NULL CHECK (length(provider_name) BETWEEN 1 AND 200),
        provider_contact text NOT NULL CHECK (length(provider_contact) BETWEEN 1 AND 500),
        records_described text NOT NULL CHECK (length(records_described) BETWEEN 1 AND 2000),
        date_from date,
        date_to date,
        patient_legal_name text NOT NULL,
        patient_birth_date date NOT NULL,
        signed_name text NOT NULL,
        signed_at timestamptz NOT NULL DEFAULT now(),
        signed_ip inet,
        expires_on date NOT NULL,
        status text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'sent', 'received', 'closed')),
        status_changed_at timestamptz NOT NULL DEFAULT now(),
        created_by uuid NOT NULL,
        PRIMARY KEY (tenant_id, id),
        FOREIGN KEY (tenant_id, case_id) REFERENCES cases (tenant_id, id),
        FOREIGN KEY (tenant_id, created_by) REFERENCES accounts (tenant_id, id),
        CHECK (date_to IS NULL OR date_from IS NULL OR date_from <= date_to)
      );
      CREATE INDEX record_requests_open ON record_requests (tenant_id, status, signed_at) WHERE status <> 'closed';
      ALTER TABLE record_requests ENABLE ROW LEVEL SECURITY;
      ALTER TABLE record_requests FORCE ROW LEVEL SECURITY;
      CREATE POLICY tenant_isolation ON record_requests
        USING (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid)
        WITH CHECK (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid);
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE record_requests');
  }
}
