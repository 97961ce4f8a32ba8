import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * What each hospital looked like, as a blueprint, right after its last apply. The next `tenants apply` compares the
 * hospital today with it: a difference is an edit made in the console since, which an apply would silently undo, so
 * the apply refuses and lists it unless told to overwrite (or the operator exports first).
 */
export class BlueprintApplies1764510000000 implements MigrationInterface {
  name = 'BlueprintApplies1764510000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE blueprint_applies (
        tenant_id uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
        applied_at timestamptz NOT NULL DEFAULT now(),
        snapshot jsonb NOT NULL,
        PRIMARY KEY (tenant_id)
      );
      ALTER TABLE blueprint_applies ENABLE ROW LEVEL SECURITY;
      ALTER TABLE blueprint_applies FORCE ROW LEVEL SECURITY;
      CREATE POLICY tenant_isolation ON blueprint_applies
        USING (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid)
        WITH CHECK (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid);
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE blueprint_applies`);
  }
}
