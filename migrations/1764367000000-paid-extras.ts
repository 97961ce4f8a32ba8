import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Paid extras after delivery (issue 8): another follow-up question or a video consult with the specialist, each
 * priced by the offering, bought like the opinion (its own payment, captured at once) and tracked as a case extra.
 */
export class PaidExtras1764367000000 implements MigrationInterface {
  name = 'PaidExtras1764367000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE offerings
        ADD COLUMN extra_follow_up_price_minor integer CHECK (extra_follow_up_price_minor >= 0),
        ADD COLUMN video_consult_price_minor integer CHECK (video_consult_price_minor >= 0);

      CREATE TABLE case_extras (
        tenant_id uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        case_id uuid NOT NULL,
        kind text NOT NULL CHECK (kind IN ('follow_up', 'video_consult')),
        currency char(3) NOT NULL,
        price_minor integer NOT NULL CHECK (price_minor >= 0),
        status text NOT NULL DEFAULT 'awaiting_payment'
          CHECK (status IN ('awaiting_payment', 'paid', 'scheduled', 'done', 'abandoned')),
        -- A video consult's appointment, set by the care team; the link itself goes by message.
        scheduled_for timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        paid_at timestamptz,
        done_at timestamptz,
        PRIMARY KEY (tenant_id, id),
        FOREIGN KEY (tenant_id, case_id) REFERENCES cases (tenant_id, id)
      );
      CREATE INDEX case_extras_by_case ON case_extras (tenant_id, case_id, created_at);
      CREATE INDEX case_extras_to_schedule ON case_extras (tenant_id, paid_at) WHERE kind = 'video_consult' AND status = 'paid';
      ALTER TABLE case_extras ENABLE ROW LEVEL SECURITY;
      ALTER TABLE case_extras FORCE ROW LEVEL SECURITY;
      CREATE POLICY tenant_isolation ON case_extras
        USING (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid)
        WITH CHECK (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid);

      -- A payment is for the opinion or for one extra; "one live payment per case" is about the opinion's.
      ALTER TABLE payments
        ADD COLUMN purpose text NOT NULL DEFAULT 'opinion' CHECK (purpose IN ('opinion', 'extra')),
        ADD COLUMN extra_id uuid,
        ADD CONSTRAINT payments_extra_fk FOREIGN KEY (tenant_id, extra_id) REFERENCES case_extras (tenant_id, id),
        ADD CONSTRAINT payments_extra_purpose CHECK ((purpose = 'extra') = (extra_id IS NOT NULL));
      DROP INDEX payments_one_live_per_case;
      CREATE UNIQUE INDEX payments_one_live_per_case ON payments (tenant_id, case_id)
        WHERE purpose = 'opinion' AND status NOT IN ('failed', 'released');
      CREATE UNIQUE INDEX payments_one_live_per_extra ON payments (tenant_id, extra_id)
        WHERE extra_id IS NOT NULL AND status NOT IN ('failed', 'released');
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      DROP INDEX payments_one_live_per_extra;
      DROP INDEX payments_one_live_per_case;
      CREATE UNIQUE INDEX payments_one_live_per_case ON payments (tenant_id, case_id) WHERE status NOT IN ('failed', 'released');
      ALTER TABLE payments DROP CONSTRAINT payments_extra_purpose, DROP CONSTRAINT payments_extra_fk, DROP COLUMN extra_id, DROP COLUMN purpose;
      DROP TABLE case_extras;
      ALTER TABLE offerings DROP COLUMN video_consult_price_minor, DROP COLUMN extra_follow_up_price_minor;
    `);
  }
}
