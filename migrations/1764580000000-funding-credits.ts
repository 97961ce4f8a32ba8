import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A refund by rule on a case a charitable fund paid for goes back to the fund: a `credit` step in the fund's ledger
 * restores what was spent. A case can earn several credits (one per rule it reaches), so a step now has a name too:
 * each (payment, kind, step) still happens at most once however often its job runs.
 */
export class FundingCredits1764580000000 implements MigrationInterface {
  name = 'FundingCredits1764580000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE funding_ledger ADD COLUMN step text NOT NULL DEFAULT '';
      ALTER TABLE funding_ledger DROP CONSTRAINT funding_ledger_kind_check;
      ALTER TABLE funding_ledger ADD CONSTRAINT funding_ledger_kind_check CHECK (kind IN ('reserve', 'spend', 'release', 'credit'));
      ALTER TABLE funding_ledger ADD CONSTRAINT funding_ledger_step_check CHECK ((kind = 'credit') = (step <> ''));
      ALTER TABLE funding_ledger DROP CONSTRAINT funding_ledger_tenant_id_payment_id_kind_key;
      ALTER TABLE funding_ledger ADD CONSTRAINT funding_ledger_once UNIQUE (tenant_id, payment_id, kind, step);
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      DELETE FROM funding_ledger WHERE kind = 'credit';
      ALTER TABLE funding_ledger DROP CONSTRAINT funding_ledger_once;
      ALTER TABLE funding_ledger ADD CONSTRAINT funding_ledger_tenant_id_payment_id_kind_key UNIQUE (tenant_id, payment_id, kind);
      ALTER TABLE funding_ledger DROP CONSTRAINT funding_ledger_step_check;
      ALTER TABLE funding_ledger DROP CONSTRAINT funding_ledger_kind_check;
      ALTER TABLE funding_ledger ADD CONSTRAINT funding_ledger_kind_check CHECK (kind IN ('reserve', 'spend', 'release'));
      ALTER TABLE funding_ledger DROP COLUMN step;
    `);
  }
}
