import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Translated opinions (issue #18): a `translator` staff role; an add-on a hospital may mark as the translation of the
 * opinion into the patient's language; and one translation per signed opinion version, drafted by a machine and
 * reviewed by a translator before release. The signed original is never changed: the translation is its own row,
 * counted in revisions, and released once.
 */
export class OpinionTranslations1764540000000 implements MigrationInterface {
  name = 'OpinionTranslations1764540000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE staff_roles DROP CONSTRAINT staff_roles_role_check;
      ALTER TABLE staff_roles ADD CONSTRAINT staff_roles_role_check CHECK (role IN ('admin', 'coordinator', 'physician', 'translator'));
      ALTER TABLE offering_add_ons ADD COLUMN translation boolean NOT NULL DEFAULT false;
      -- The language the patient chose the translation in (the intake's), kept with the request it was bought for.
      ALTER TABLE cases ADD COLUMN translation_locale text;

      CREATE TABLE opinion_translations (
        tenant_id uuid NOT NULL,
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        opinion_id uuid NOT NULL,
        case_id uuid NOT NULL,
        source_locale text NOT NULL,
        target_locale text NOT NULL,
        provider text NOT NULL CHECK (provider IN ('aws', 'demo', 'none')),
        machine_draft jsonb NOT NULL,
        text jsonb NOT NULL,
        revision integer NOT NULL DEFAULT 0,
        status text NOT NULL CHECK (status IN ('draft', 'released')),
        translator_id uuid,
        released_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, id),
        UNIQUE (tenant_id, opinion_id),
        FOREIGN KEY (tenant_id, opinion_id) REFERENCES opinions (tenant_id, id),
        FOREIGN KEY (tenant_id, case_id) REFERENCES cases (tenant_id, id),
        FOREIGN KEY (tenant_id, translator_id) REFERENCES accounts (tenant_id, id),
        CHECK ((status = 'released') = (released_at IS NOT NULL AND translator_id IS NOT NULL))
      );
      CREATE INDEX opinion_translations_waiting ON opinion_translations (tenant_id, created_at) WHERE status = 'draft';
      ALTER TABLE opinion_translations ENABLE ROW LEVEL SECURITY;
      ALTER TABLE opinion_translations FORCE ROW LEVEL SECURITY;
      CREATE POLICY tenant_isolation ON opinion_translations
        USING (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid)
        WITH CHECK (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid);
      REVOKE DELETE ON opinion_translations FROM consilium_app;

      -- A released translation is part of a delivered letter: it is never changed afterwards.
      CREATE FUNCTION released_translations_are_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF OLD.status = 'released' THEN
          RAISE EXCEPTION 'a released translation cannot be changed';
        END IF;
        RETURN NEW;
      END $$;
      CREATE TRIGGER released_translations_are_immutable BEFORE UPDATE ON opinion_translations
        FOR EACH ROW EXECUTE FUNCTION released_translations_are_immutable();
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      DROP TABLE opinion_translations;
      DROP FUNCTION released_translations_are_immutable();
      ALTER TABLE offering_add_ons DROP COLUMN translation;
      ALTER TABLE cases DROP COLUMN translation_locale;
      ALTER TABLE staff_roles DROP CONSTRAINT staff_roles_role_check;
      ALTER TABLE staff_roles ADD CONSTRAINT staff_roles_role_check CHECK (role IN ('admin', 'coordinator', 'physician'));
    `);
  }
}
