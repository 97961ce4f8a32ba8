import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The coordinator's workbench (issue 25):
 * - search by case number, patient name or email: each case's words (of its number, its patient's name and email),
 *   lowercased, one row per word, kept by triggers when a case is made or renumbered or its patient renamed. A
 *   search is a prefix range on a btree (`term >= 'garc' AND term < 'gard'`). Not trigrams or a tsvector: under
 *   forced row-level security PostgreSQL only lets leakproof operators into an index condition, and ILIKE, `@@`
 *   and the array operators are not (text comparison is), so those indexes were never used for the runtime role;
 * - sorted queue pages by keyset: per sort key one index `(tenant_id, state, key, id)`, the key written with its
 *   nulls folded to `infinity` so one row comparison pages through it. The open queue is one index range per state,
 *   merged (see CaseQueue);
 * - saved filters, each staff member's own (a name and the queue's query string, never PHI).
 */
export class CoordinatorWorkbench1764640000000 implements MigrationInterface {
  name = 'CoordinatorWorkbench1764640000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE case_search_terms (
        tenant_id uuid NOT NULL,
        case_id uuid NOT NULL,
        term text COLLATE "C" NOT NULL,
        PRIMARY KEY (tenant_id, term, case_id),
        FOREIGN KEY (tenant_id, case_id) REFERENCES cases (tenant_id, id) ON DELETE CASCADE
      );
      CREATE INDEX case_search_terms_by_case ON case_search_terms (tenant_id, case_id);
      ALTER TABLE case_search_terms ENABLE ROW LEVEL SECURITY;
      ALTER TABLE case_search_terms FORCE ROW LEVEL SECURITY;
      CREATE POLICY tenant_isolation ON case_search_terms
        USING (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid)
        WITH CHECK (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid);

      -- A case's words: its number whole and in parts, its patient's email whole and in parts, their name's words.
      CREATE FUNCTION case_search_terms_of(number text, name text, email text) RETURNS text[] LANGUAGE sql IMMUTABLE AS $f$
        SELECT coalesce(array_agg(DISTINCT t), '{}') FROM (
          SELECT unnest(regexp_split_to_array(lower(coalesce(name, '') || ' ' || coalesce(email, '') || ' ' || coalesce(number, '')), '[^[:alnum:]]+')) AS t
          UNION SELECT lower(email) UNION SELECT lower(number)
        ) s WHERE t IS NOT NULL AND t <> ''
      $f$;

      -- Kept in the tenant's own context (the change's tenant, restored after): a write from the operator's path
      -- keeps the words of the hospital it changed, and nothing else.
      CREATE FUNCTION case_search_refresh() RETURNS trigger LANGUAGE plpgsql AS $f$
      DECLARE
        previous text := current_setting('app.tenant_id', true);
      BEGIN
        PERFORM set_config('app.tenant_id', NEW.tenant_id::text, true);
        IF TG_TABLE_NAME = 'cases' THEN
          DELETE FROM case_search_terms WHERE tenant_id = NEW.tenant_id AND case_id = NEW.id;
          INSERT INTO case_search_terms (tenant_id, case_id, term)
            SELECT NEW.tenant_id, NEW.id, unnest(case_search_terms_of(NEW.number, a.name, a.email))
              FROM accounts a WHERE a.tenant_id = NEW.tenant_id AND a.id = NEW.patient_id;
        ELSE
          DELETE FROM case_search_terms t USING cases c
           WHERE c.tenant_id = NEW.tenant_id AND c.patient_id = NEW.id AND t.tenant_id = c.tenant_id AND t.case_id = c.id;
          INSERT INTO case_search_terms (tenant_id, case_id, term)
            SELECT c.tenant_id, c.id, unnest(case_search_terms_of(c.number, NEW.name, NEW.email))
              FROM cases c WHERE c.tenant_id = NEW.tenant_id AND c.patient_id = NEW.id;
        END IF;
        PERFORM set_config('app.tenant_id', coalesce(previous, ''), true);
        RETURN NULL;
      END
      $f$;
      CREATE TRIGGER case_search_on_case AFTER INSERT OR UPDATE OF number, patient_id ON cases
        FOR EACH ROW EXECUTE FUNCTION case_search_refresh();
      CREATE TRIGGER case_search_on_patient AFTER UPDATE OF name, email ON accounts
        FOR EACH ROW WHEN (NEW.kind = 'patient') EXECUTE FUNCTION case_search_refresh();
      -- The words of the cases already there, hospital by hospital (row-level security is forced on the owner too).
      DO $d$
      DECLARE
        t uuid;
      BEGIN
        FOR t IN SELECT id FROM tenants LOOP
          PERFORM set_config('app.tenant_id', t::text, true);
          INSERT INTO case_search_terms (tenant_id, case_id, term)
            SELECT c.tenant_id, c.id, unnest(case_search_terms_of(c.number, a.name, a.email))
              FROM cases c JOIN accounts a ON a.tenant_id = c.tenant_id AND a.id = c.patient_id WHERE c.tenant_id = t;
        END LOOP;
        PERFORM set_config('app.tenant_id', '', true);
      END
      $d$;
      CREATE INDEX cases_sort_promise ON cases (tenant_id, state, (coalesce(promised_by, triage_by, 'infinity'::timestamptz)), id);
      CREATE INDEX cases_sort_age ON cases (tenant_id, state, (coalesce(submitted_at, created_at)), id);
      CREATE INDEX cases_sort_due ON cases (tenant_id, state, (coalesce(due_at, 'infinity'::timestamptz)), id);

      CREATE TABLE saved_queue_filters (
        tenant_id uuid NOT NULL REFERENCES tenants (id),
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        account_id uuid NOT NULL,
        name text NOT NULL CHECK (length(name) BETWEEN 1 AND 80),
        query text NOT NULL CHECK (length(query) <= 1000),
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, id),
        UNIQUE (tenant_id, account_id, name),
        FOREIGN KEY (tenant_id, account_id) REFERENCES accounts (tenant_id, id) ON DELETE CASCADE
      );
      ALTER TABLE saved_queue_filters ENABLE ROW LEVEL SECURITY;
      ALTER TABLE saved_queue_filters FORCE ROW LEVEL SECURITY;
      CREATE POLICY tenant_isolation ON saved_queue_filters
        USING (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid)
        WITH CHECK (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid);
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      DROP TABLE saved_queue_filters;
      DROP INDEX cases_sort_due;
      DROP INDEX cases_sort_age;
      DROP INDEX cases_sort_promise;
      DROP TRIGGER case_search_on_patient ON accounts;
      DROP TRIGGER case_search_on_case ON cases;
      DROP FUNCTION case_search_refresh();
      DROP FUNCTION case_search_terms_of(text, text, text);
      DROP TABLE case_search_terms;
    `);
  }
}
