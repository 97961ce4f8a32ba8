import { Injectable } from '@nestjs/common';
import { first, InvalidInput, MessageRef, msg, RequestContext, rows, TenantDatabase } from '@consilium/core';
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

/** A visit or procedure as recorded. */
export interface RecordedConversion {
  id: string;
  caseId: string;
  kind: ConversionKind;
  occurredOn: string;
  valueMinor: number | null;
  currency: string | null;
  source: 'manual' | 'import' | 'api';
  recordedAt: Date;
}

export interface ImportReport {
  imported: number;
  skipped: number;
  /** Each refused line with what is wrong with it, by key. */
  errors: { line: number; message: MessageRef }[];
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

  /**
   * Records one visit or procedure. With a `key` (an integration's idempotency key, namespaced by the caller) the
   * same key records once: a repeat answers the conversion recorded the first time, with `created: false`, and the
   * caller compares it with what was sent.
   */
  record(
    caseId: string,
    input: ConversionInput,
    options: { key?: string } = {},
  ): Promise<{ conversion: RecordedConversion; created: boolean }> {
    const clean = this.validate(input);
    if ('problem' in clean) throw new InvalidInput({ [clean.field]: clean.problem });
    return this.db.transaction(async (tx) => {
      const c = await this.access.caseFor(tx, caseId);
      const id = await this.insert(tx, c, clean, options.key ?? null);
      const conversion = id
        ? await this.byId(tx, id)
        : await first<RecordedConversion>(tx, `${SELECT_CONVERSION} WHERE import_key = $1`, [options.key]);
      if (!conversion) throw new Error('conversion vanished within its transaction');
      return { conversion, created: !!id };
    });
  }

  /**
   * Records one inside the caller's transaction (a booked appointment request records its visit with it): the
   * conversion's id, or its problem beside the form's field (`kind`, `occurred_on`, `value`, then `suffix`: a row's
   * fields in a table of rows).
   */
  async recordIn(
    tx: EntityManager,
    c: { tenantId: string; id: string },
    input: ConversionInput,
    key: string,
    suffix = '',
  ): Promise<string> {
    const clean = this.validate(input);
    if ('problem' in clean) throw new InvalidInput({ [`${clean.field}${suffix}`]: clean.problem });
    const id = await this.insert(tx, c, clean, key);
    if (!id) throw new InvalidInput({ [`kind${suffix}`]: msg('cases.referrals.alreadyRecorded') });
    return id;
  }

  /** A case's conversions as recorded, oldest first. */
  recorded(caseId: string): Promise<RecordedConversion[]> {
    return this.db.transaction(async (tx) => {
      const c = await this.access.caseFor(tx, caseId);
      return rows<RecordedConversion>(tx, `${SELECT_CONVERSION} WHERE case_id = $1 ORDER BY occurred_on, recorded_at`, [c.id]);
    });
  }

  /** One conversion of the hospital by id (an integration reads back what it recorded), or undefined. */
  find(id: string): Promise<RecordedConversion | undefined> {
    if (!/^[0-9a-f-]{36}$/i.test(id)) return Promise.resolve(undefined);
    return this.db.transaction((tx) => this.byId(tx, id));
  }

  private byId(tx: EntityManager, id: string): Promise<RecordedConversion | undefined> {
    return first<RecordedConversion>(tx, `${SELECT_CONVERSION} WHERE id = $1`, [id]);
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
        errors: [{ line: 1, message: msg('cases.form.importColumns') }],
      };
    }
    if (rows.length > MAX_ROWS)
      return { imported: 0, skipped: 0, errors: [{ line: MAX_ROWS + 2, message: msg('cases.form.importTooMany', { max: MAX_ROWS }) }] };
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
          errors.push({ line, message: msg('cases.form.importNoCase', { number }) });
          continue;
        }
        const clean = this.validate({
          kind: col(row, 'kind'),
          occurredOn: col(row, 'date'),
          value: header.includes('value') ? col(row, 'value') : undefined,
        });
        if ('problem' in clean) errors.push({ line, message: clean.problem });
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

  /** The row or form cleaned, or its problem and the field it is about (`kind`, `occurred_on`, `value`). */
  private validate(input: ConversionInput): Clean | { field: string; problem: MessageRef } {
    if (!(CONVERSION_KINDS as readonly string[]).includes(input.kind))
      return { field: 'kind', problem: msg('cases.form.conversionKind', { kinds: CONVERSION_KINDS.join(', ') }) };
    if (!/^\d{4}-\d{2}-\d{2}$/.test(input.occurredOn) || Number.isNaN(Date.parse(input.occurredOn)))
      return { field: 'occurred_on', problem: msg('cases.form.conversionDate') };
    if (Date.parse(input.occurredOn) > Date.now() + 366 * 86400000)
      return { field: 'occurred_on', problem: msg('cases.form.conversionFuture') };
    let valueMinor: number | null = null;
    if (input.value) {
      if (!/^\d{1,10}(\.\d{1,2})?$/.test(input.value.replace(/,/g, '')))
        return { field: 'value', problem: msg('cases.form.conversionValue') };
      valueMinor = Math.round(Number(input.value.replace(/,/g, '')) * 100);
    }
    return { kind: input.kind as ConversionKind, occurredOn: input.occurredOn, valueMinor };
  }

  private async insert(
    tx: EntityManager,
    c: { tenantId: string; id: string; currency?: string },
    clean: Clean,
    importKey: string | null,
  ): Promise<string | null> {
    let currency = c.currency;
    if (!currency) [{ currency }] = await tx.query('SELECT currency FROM tenants WHERE id = $1', [c.tenantId]);
    const actor = this.context.actor()!;
    // An integration's credential is not an account: who recorded it is the credential (recorded_by_api_key).
    const byIntegration = actor.kind === 'api_key';
    // An INSERT answers with its RETURNING rows.
    const rows: { id: string }[] = await tx.query(
      `INSERT INTO conversions (tenant_id, case_id, kind, occurred_on, value_minor, currency, source, import_key, recorded_by, recorded_by_api_key)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT (tenant_id, import_key) DO NOTHING RETURNING id`,
      [
        c.tenantId,
        c.id,
        clean.kind,
        clean.occurredOn,
        clean.valueMinor,
        clean.valueMinor === null ? null : currency!.trim(),
        byIntegration ? 'api' : importKey ? 'import' : 'manual',
        importKey,
        byIntegration ? null : actor.id,
        byIntegration ? actor.id : null,
      ],
    );
    if (!rows.length) return null;
    await this.pipeline.record(tx, c, {
      type: `conversion_${clean.kind}`,
      data: { occurredOn: clean.occurredOn, valueMinor: clean.valueMinor },
    });
    return rows[0].id;
  }
}

const SELECT_CONVERSION = `SELECT id, case_id AS "caseId", kind, occurred_on::text AS "occurredOn", value_minor::float8 AS "valueMinor",
       trim(currency) AS currency, source, recorded_at AS "recordedAt" FROM conversions`;

interface Clean {
  kind: ConversionKind;
  occurredOn: string;
  valueMinor: number | null;
}
