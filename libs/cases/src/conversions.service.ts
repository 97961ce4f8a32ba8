import { Injectable } from '@nestjs/common';
import { first, InvalidInput, RequestContext, TenantDatabase } from '@consilium/core';
import { EntityManager } from 'typeorm';
import { CaseAccess } from './case-access';
import { CasePipeline } from './case-pipeline.service';
import { parseCsv } from './csv';

export const CONVERSION_KINDS = ['consult_booked', 'procedure_scheduled', 'procedure_done'] as const;
export type ConversionKind = (typeof CONVERSION_KINDS)[number];

export interface ConversionInput {
  kind: string;
  occurredOn: string;
  /** Major units as typed ("12500.00"); stored in minor units. */
  value?: string;
}

export interface ImportReport {
  imported: number;
  skipped: number;
  errors: { line: number; message: string }[];
}

const MAX_ROWS = 5000;

/** Visits and procedures that followed an opinion: recorded by staff one by one, or imported from a CSV. */
@Injectable()
export class Conversions {
  constructor(
    private readonly db: TenantDatabase,
    private readonly access: CaseAccess,
    private readonly pipeline: CasePipeline,
    private readonly context: RequestContext,
  ) {}

  record(caseId: string, input: ConversionInput): Promise<void> {
    const clean = this.validate(input);
    if (typeof clean === 'string') throw new InvalidInput({ [clean.split(':')[0]]: clean.split(':').slice(1).join(':').trim() });
    return this.db.transaction(async (tx) => {
      const c = await this.access.caseFor(tx, caseId);
      await this.insert(tx, c, clean, null);
    });
  }

  list(
    caseId: string,
  ): Promise<{ kind: string; occurredOn: string; valueMinor: string | null; currency: string | null; source: string }[]> {
    return this.db.transaction(async (tx) => {
      const c = await this.access.caseFor(tx, caseId);
      return tx.query(
        `SELECT kind, occurred_on::text AS "occurredOn", value_minor AS "valueMinor", currency, source FROM conversions WHERE case_id = $1 ORDER BY occurred_on`,
        [c.id],
      );
    });
  }

  /**
   * `case_number,kind,date,value`. All rows are checked first; with any error nothing is imported and every
   * error is reported with its line, so the file can be fixed and sent again. A row already imported is skipped.
   */
  async importCsv(text: string): Promise<ImportReport> {
    const rows = parseCsv(text);
    const header = rows.shift()?.map((h) => h.trim().toLowerCase());
    if (!header || ['case_number', 'kind', 'date'].some((h) => !header.includes(h))) {
      return {
        imported: 0,
        skipped: 0,
        errors: [{ line: 1, message: 'The first line must name the columns: case_number,kind,date,value' }],
      };
    }
    if (rows.length > MAX_ROWS)
      return { imported: 0, skipped: 0, errors: [{ line: MAX_ROWS + 2, message: `Import at most ${MAX_ROWS} rows at a time.` }] };
    const col = (row: string[], name: string) => (row[header.indexOf(name)] ?? '').trim();
    return this.db.transaction(async (tx) => {
      const errors: ImportReport['errors'] = [];
      const valid: { line: number; caseRow: { tenant_id: string; id: string; currency: string }; clean: Clean; key: string }[] = [];
      for (const [i, row] of rows.entries()) {
        const line = i + 2;
        if (row.every((f) => !f.trim())) continue;
        const number = col(row, 'case_number');
        const caseRow = await first<{ tenant_id: string; id: string; currency: string }>(
          tx,
          `SELECT c.tenant_id, c.id, t.currency FROM cases c JOIN tenants t ON t.id = c.tenant_id WHERE c.number = $1`,
          [number],
        );
        if (!caseRow) {
          errors.push({ line, message: `No case numbered "${number}" at this hospital.` });
          continue;
        }
        const clean = this.validate({
          kind: col(row, 'kind'),
          occurredOn: col(row, 'date'),
          value: header.includes('value') ? col(row, 'value') : undefined,
        });
        if (typeof clean === 'string') errors.push({ line, message: clean });
        else valid.push({ line, caseRow, clean, key: `${number}|${clean.kind}|${clean.occurredOn}` });
      }
      if (errors.length) return { imported: 0, skipped: 0, errors };
      let imported = 0;
      for (const v of valid)
        if (await this.insert(tx, { tenantId: v.caseRow.tenant_id, id: v.caseRow.id, currency: v.caseRow.currency.trim() }, v.clean, v.key))
          imported++;
      return { imported, skipped: valid.length - imported, errors: [] };
    });
  }

  private validate(input: ConversionInput): Clean | string {
    if (!(CONVERSION_KINDS as readonly string[]).includes(input.kind)) return `kind: must be one of ${CONVERSION_KINDS.join(', ')}`;
    if (!/^\d{4}-\d{2}-\d{2}$/.test(input.occurredOn) || Number.isNaN(Date.parse(input.occurredOn)))
      return 'date: must be a date like 2026-03-31';
    if (Date.parse(input.occurredOn) > Date.now() + 366 * 86400000) return 'date: is more than a year ahead';
    let valueMinor: number | null = null;
    if (input.value) {
      if (!/^\d{1,10}(\.\d{1,2})?$/.test(input.value.replace(/,/g, ''))) return 'value: must be an amount like 12500.00 (no currency sign)';
      valueMinor = Math.round(Number(input.value.replace(/,/g, '')) * 100);
    }
    return { kind: input.kind as ConversionKind, occurredOn: input.occurredOn, valueMinor };
  }

  private async insert(
    tx: EntityManager,
    c: { tenantId: string; id: string; currency?: string },
    clean: Clean,
    importKey: string | null,
  ): Promise<boolean> {
    let currency = c.currency;
    if (!currency) [{ currency }] = await tx.query('SELECT currency FROM tenants WHERE id = $1', [c.tenantId]);
    // An INSERT answers with its RETURNING rows.
    const rows: { id: string }[] = await tx.query(
      `INSERT INTO conversions (tenant_id, case_id, kind, occurred_on, value_minor, currency, source, import_key, recorded_by)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (tenant_id, import_key) DO NOTHING RETURNING id`,
      [
        c.tenantId,
        c.id,
        clean.kind,
        clean.occurredOn,
        clean.valueMinor,
        clean.valueMinor === null ? null : currency!.trim(),
        importKey ? 'import' : 'manual',
        importKey,
        this.context.actor()!.id,
      ],
    );
    if (!rows.length) return false;
    await this.pipeline.record(tx, c, {
      type: `conversion_${clean.kind}`,
      data: { occurredOn: clean.occurredOn, valueMinor: clean.valueMinor },
    });
    return true;
  }
}

interface Clean {
  kind: ConversionKind;
  occurredOn: string;
  valueMinor: number | null;
}
