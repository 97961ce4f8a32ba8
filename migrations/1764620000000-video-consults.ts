import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Video consults that happen (issue 21). A physician publishes slots (an instant range, with the zone they typed it
 * in); a patient who paid for a video consult books one. "One booking per slot" is a partial unique index, so two
 * patients pressing Book at once cannot both win. A booking keeps its id across reschedules (the calendar UID) and
 * counts its changes (the calendar SEQUENCE); `reminded_sequence` makes the reminder job send once per time.
 * Joins, leaves and recording consents are audit rows (`audit_events`), not columns here.
 */
export class VideoConsults1764620000000 implements MigrationInterface {
  name = 'VideoConsults1764620000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE consult_slots (
        tenant_id uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        physician_id uuid NOT NULL,
        starts_at timestamptz NOT NULL,
        ends_at timestamptz NOT NULL,
        time_zone text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        withdrawn_at timestamptz,
        PRIMARY KEY (tenant_id, id),
        CHECK (ends_at > starts_at AND ends_at <= starts_at + interval '4 hours')
      );
      CREATE UNIQUE INDEX consult_slots_one_per_start ON consult_slots (tenant_id, physician_id, starts_at) WHERE withdrawn_at IS NULL;
      CREATE INDEX consult_slots_open ON consult_slots (tenant_id, physician_id, starts_at) WHERE withdrawn_at IS NULL;

      CREATE TABLE consult_bookings (
        tenant_id uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        case_id uuid NOT NULL,
        extra_id uuid NOT NULL,
        slot_id uuid NOT NULL,
        physician_id uuid NOT NULL,
        patient_id uuid NOT NULL,
        -- A translator staff account, when the consult has an interpreter: the third who may join.
        interpreter_id uuid,
        status text NOT NULL DEFAULT 'booked' CHECK (status IN ('booked', 'cancelled')),
        sequence integer NOT NULL DEFAULT 0,
        reminded_sequence integer,
        cancelled_by text CHECK (cancelled_by IN ('patient', 'physician')),
        meeting_id text,
        patient_consents_recording boolean NOT NULL DEFAULT false,
        physician_consents_recording boolean NOT NULL DEFAULT false,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, id),
        FOREIGN KEY (tenant_id, case_id) REFERENCES cases (tenant_id, id),
        FOREIGN KEY (tenant_id, extra_id) REFERENCES case_extras (tenant_id, id),
        FOREIGN KEY (tenant_id, slot_id) REFERENCES consult_slots (tenant_id, id)
      );
      CREATE UNIQUE INDEX consult_bookings_one_per_slot ON consult_bookings (tenant_id, slot_id) WHERE status = 'booked';
      CREATE UNIQUE INDEX consult_bookings_one_per_extra ON consult_bookings (tenant_id, extra_id) WHERE status = 'booked';
      CREATE INDEX consult_bookings_by_case ON consult_bookings (tenant_id, case_id, created_at);

      ALTER TABLE consult_slots ENABLE ROW LEVEL SECURITY;
      ALTER TABLE consult_slots FORCE ROW LEVEL SECURITY;
      CREATE POLICY tenant_isolation ON consult_slots
        USING (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid)
        WITH CHECK (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid);
      ALTER TABLE consult_bookings ENABLE ROW LEVEL SECURITY;
      ALTER TABLE consult_bookings FORCE ROW LEVEL SECURITY;
      CREATE POLICY tenant_isolation ON consult_bookings
        USING (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid)
        WITH CHECK (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid);
      SELECT pgboss.create_queue('consult-reminder', '{"policy": "standard"}');
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`SELECT pgboss.delete_queue('consult-reminder'); DROP TABLE consult_bookings; DROP TABLE consult_slots;`);
  }
}
