import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * An email's language is any platform language, perhaps with a region (`fr`, `fr-CA`): the languages are the
 * catalogs present, not a list in the schema. The column keeps a language tag's shape; the worker settles it
 * against the hospital's languages.
 */
export class EmailLocalesAsData1764470000000 implements MigrationInterface {
  name = 'EmailLocalesAsData1764470000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE outbound_emails
        DROP CONSTRAINT outbound_emails_locale_check,
        ADD CONSTRAINT outbound_emails_locale_check CHECK (locale ~ '^[a-z]{2,3}(-([A-Z]{2}|[0-9]{3}))?$');
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE outbound_emails NO FORCE ROW LEVEL SECURITY;
      UPDATE outbound_emails SET locale = NULL WHERE locale NOT IN ('en', 'es');
      ALTER TABLE outbound_emails FORCE ROW LEVEL SECURITY;
      ALTER TABLE outbound_emails
        DROP CONSTRAINT outbound_emails_locale_check,
        ADD CONSTRAINT outbound_emails_locale_check CHECK (locale IN ('en', 'es'));
    `);
  }
}
