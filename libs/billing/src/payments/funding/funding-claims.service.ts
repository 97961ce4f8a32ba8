import { Injectable } from '@nestjs/common';
import { Case } from '@consilium/cases';
import { first, InvalidInput, msg, NotFound, one, rows } from '@consilium/core';
import { createHash, randomInt } from 'node:crypto';
import { EntityManager } from 'typeorm';
import { FundingProgram } from '../../funding-programs/funding-program.entity';

/** What the patient gave at checkout to use a program: a confirmation of eligibility, or a sponsor's code. */
export interface FundingChoice {
  attested?: boolean;
  code?: string;
}

export type ClaimStatus = 'not_required' | 'pending_review' | 'confirmed' | 'rejected';

export interface FundingClaim {
  caseId: string;
  programId: string;
  basis: 'open' | 'code' | 'attestation';
  codeId: string | null;
  status: ClaimStatus;
  reviewedBy: string | null;
  reviewedAt: Date | null;
  createdAt: Date;
}

export interface FundingCode {
  id: string;
  programId: string;
  hint: string;
  label: string;
  maxUses: number | null;
  uses: number;
  expiresOn: string | null;
  revokedAt: Date | null;
  createdAt: Date;
}

/**
 * The coordinator must confirm or reject the patient's eligibility before the case is accepted. A form error, so the
 * console's case page shows it beside the accept button.
 */
export function fundingReviewPending(): InvalidInput {
  return new InvalidInput({ funding: msg('payments.funding.reviewPending') });
}

/** The eligibility was rejected: the case cannot be accepted with the program's money. */
export function fundingRejected(): InvalidInput {
  return new InvalidInput({ funding: msg('payments.funding.reviewRejected') });
}

/** Codes are typed by people: case, spaces and dashes do not matter. */
export function normaliseCode(code: string): string {
  return code.toUpperCase().replace(/[\s-]/g, '');
}

function codeHash(code: string): string {
  return createHash('sha256').update(normaliseCode(code)).digest('hex');
}

/** 12 characters from an alphabet without look-alikes (no 0/O, 1/I/L), shown as XXXX-XXXX-XXXX. */
export function generateCode(): string {
  const alphabet = 'ABCDEFGHJKMNPQRSTUVWXYZ23456789';
  const chars = Array.from({ length: 12 }, () => alphabet[randomInt(alphabet.length)]);
  return `${chars.slice(0, 4).join('')}-${chars.slice(4, 8).join('')}-${chars.slice(8).join('')}`;
}

/**
 * A case's claim on a funding program, decided at checkout: an open program needs nothing, an eligibility program
 * the patient's confirmation (and, when the program says so, a coordinator's review before acceptance), a code
 * program a valid code (each use counted once per case, within its limit and date). Capture refuses a claim still
 * under review or rejected, so the fund is never spent on a patient no one confirmed.
 */
@Injectable()
export class FundingClaims {
  async claim(tx: EntityManager, c: Case, programId: string, choice: FundingChoice, today: string): Promise<FundingClaim> {
    const program = await tx.findOneBy(FundingProgram, { tenantId: c.tenantId, id: programId, active: true });
    if (!program) throw new InvalidInput({ funding: msg('payments.funding.programGone') });
    const existing = await this.forCase(tx, c.id);
    let basis: FundingClaim['basis'] = 'open';
    let codeId: string | null = null;
    if (program.access === 'eligibility') {
      if (!choice.attested) throw new InvalidInput({ eligible: msg('payments.funding.attestRequired') });
      basis = 'attestation';
    } else if (program.access === 'code') {
      basis = 'code';
      codeId = await this.useCode(
        tx,
        c.tenantId,
        program.id,
        choice.code ?? '',
        today,
        existing?.programId === program.id ? existing.codeId : null,
      );
    }
    const status: ClaimStatus = program.reviewRequired && basis !== 'code' ? 'pending_review' : 'not_required';
    await tx.query(
      `INSERT INTO funding_claims (tenant_id, case_id, program_id, basis, code_id, status) VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (tenant_id, case_id) DO UPDATE
         SET program_id = EXCLUDED.program_id, basis = EXCLUDED.basis, code_id = EXCLUDED.code_id, status = EXCLUDED.status,
             reviewed_by = NULL, reviewed_at = NULL, created_at = now()`,
      [c.tenantId, c.id, program.id, basis, codeId, status],
    );
    return (await this.forCase(tx, c.id))!;
  }

  /** A checkout without a program: any earlier claim of the draft goes. */
  async drop(tx: EntityManager, caseId: string): Promise<void> {
    await tx.query(`DELETE FROM funding_claims WHERE case_id = $1 AND status IN ('not_required', 'pending_review')`, [caseId]);
  }

  async forCase(tx: EntityManager, caseId: string): Promise<FundingClaim | null> {
    const row = await first<ClaimRow>(tx, 'SELECT * FROM funding_claims WHERE case_id = $1', [caseId]);
    return row ? toClaim(row) : null;
  }

  /** Capture's guard. */
  async assertCapturable(tx: EntityManager, caseId: string): Promise<void> {
    const claim = await this.forCase(tx, caseId);
    if (claim?.status === 'pending_review') throw fundingReviewPending();
    if (claim?.status === 'rejected') throw fundingRejected();
  }

  /** Claims waiting for a coordinator, oldest first, with the case number (never clinical content). */
  async toReview(tx: EntityManager): Promise<(FundingClaim & { caseNumber: string; caseState: string; programName: unknown })[]> {
    const claims = await rows<ClaimRow & { case_number: string; case_state: string; program_name: unknown }>(
      tx,
      `SELECT fc.*, c.number AS case_number, c.state AS case_state, fp.name AS program_name
         FROM funding_claims fc
         JOIN cases c ON c.tenant_id = fc.tenant_id AND c.id = fc.case_id
         JOIN funding_programs fp ON fp.tenant_id = fc.tenant_id AND fp.id = fc.program_id
        WHERE fc.status = 'pending_review' AND c.state NOT IN ('draft', 'cancelled', 'declined')
        ORDER BY fc.created_at`,
    );
    return claims.map((r) => ({
      ...toClaim(r),
      caseNumber: r.case_number,
      caseState: r.case_state,
      programName: r.program_name,
    }));
  }

  async review(tx: EntityManager, caseId: string, decision: 'confirmed' | 'rejected', reviewerId: string): Promise<FundingClaim> {
    // Another hospital's case (or none) is not found; this hospital's, already decided, is a form error.
    if (!(await this.forCase(tx, caseId))) throw new NotFound();
    // Wrapped in a SELECT: TypeORM answers a bare UPDATE ... RETURNING with [rows, count].
    const row = await first<ClaimRow>(
      tx,
      `WITH reviewed AS (UPDATE funding_claims SET status = $2, reviewed_by = $3, reviewed_at = now()
                          WHERE case_id = $1 AND status = 'pending_review' RETURNING *)
       SELECT * FROM reviewed`,
      [caseId, decision, reviewerId],
    );
    if (!row) throw new InvalidInput({ decision: msg('payments.funding.alreadyReviewed') });
    return toClaim(row);
  }

  // ---- codes

  /** Creates a code for a code program; returns the code in clear, which is shown once and never stored. */
  async createCode(
    tx: EntityManager,
    tenantId: string,
    input: { programId: string; label: string; code?: string; maxUses?: number; expiresOn?: string },
    createdBy: string,
  ): Promise<{ id: string; code: string }> {
    const program = await tx.findOneBy(FundingProgram, { tenantId, id: input.programId, active: true });
    if (!program || program.access !== 'code') throw new InvalidInput({ program: msg('payments.funding.codeProgram') });
    const code = input.code?.trim() ? input.code.trim() : generateCode();
    const normalised = normaliseCode(code);
    if (!/^[A-Z0-9]{6,40}$/.test(normalised)) throw new InvalidInput({ code: msg('payments.funding.codeShape') });
    const taken = await first(tx, 'SELECT 1 FROM funding_codes WHERE code_sha256 = $1', [codeHash(code)]);
    if (taken) throw new InvalidInput({ code: msg('payments.funding.codeTaken') });
    const row = await one<{ id: string }>(
      tx,
      `INSERT INTO funding_codes (tenant_id, program_id, code_sha256, hint, label, max_uses, expires_on, created_by)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`,
      [tenantId, program.id, codeHash(code), normalised.slice(-4), input.label, input.maxUses ?? null, input.expiresOn ?? null, createdBy],
    );
    return { id: row.id, code };
  }

  async listCodes(tx: EntityManager): Promise<FundingCode[]> {
    const codes = await rows<{
      id: string;
      program_id: string;
      hint: string;
      label: string;
      max_uses: number | null;
      uses: number;
      /** A date column: pg gives it as a Date at local midnight. */
      expires_on: Date | null;
      revoked_at: Date | null;
      created_at: Date;
    }>(tx, 'SELECT * FROM funding_codes ORDER BY created_at DESC');
    return codes.map((r) => ({
      id: r.id,
      programId: r.program_id,
      hint: r.hint,
      label: r.label,
      maxUses: r.max_uses,
      uses: r.uses,
      expiresOn: r.expires_on ? new Date(r.expires_on).toISOString().slice(0, 10) : null,
      revokedAt: r.revoked_at,
      createdAt: r.created_at,
    }));
  }

  async revokeCode(tx: EntityManager, id: string): Promise<boolean> {
    if (!(await first(tx, 'SELECT 1 FROM funding_codes WHERE id = $1', [id]))) throw new NotFound();
    const revoked = await rows(
      tx,
      'WITH r AS (UPDATE funding_codes SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL RETURNING id) SELECT id FROM r',
      [id],
    );
    return revoked.length > 0;
  }

  /** Checks the code and counts one use, unless this case already used the same code. Returns the code's id. */
  private async useCode(
    tx: EntityManager,
    tenantId: string,
    programId: string,
    code: string,
    today: string,
    alreadyUsed: string | null,
  ): Promise<string> {
    if (!normaliseCode(code)) throw new InvalidInput({ funding_code: msg('payments.funding.codeRequired') });
    const found = await first<{
      id: string;
      program_id: string;
      max_uses: number | null;
      uses: number;
      expires_on: string | null;
      revoked_at: Date | null;
    }>(
      tx,
      'SELECT id, program_id, max_uses, uses, expires_on::text AS expires_on, revoked_at FROM funding_codes WHERE code_sha256 = $1 FOR UPDATE',
      [codeHash(code)],
    );
    // One message for every failure: a code's existence is not something to probe.
    const invalid = new InvalidInput({ funding_code: msg('payments.funding.codeInvalid') });
    if (!found || found.program_id !== programId || found.revoked_at || (found.expires_on && found.expires_on < today)) throw invalid;
    if (alreadyUsed === found.id) return found.id;
    if (found.max_uses !== null && found.uses >= found.max_uses) throw invalid;
    await tx.query('UPDATE funding_codes SET uses = uses + 1 WHERE tenant_id = $1 AND id = $2', [tenantId, found.id]);
    return found.id;
  }
}

/** A `funding_claims` row as PostgreSQL gives it; toClaim reads its columns. */
type ClaimRow = Record<string, unknown>;

function toClaim(r: ClaimRow): FundingClaim {
  return {
    caseId: r.case_id as string,
    programId: r.program_id as string,
    basis: r.basis as FundingClaim['basis'],
    codeId: (r.code_id as string | null) ?? null,
    status: r.status as ClaimStatus,
    reviewedBy: (r.reviewed_by as string | null) ?? null,
    reviewedAt: (r.reviewed_at as Date | null) ?? null,
    createdAt: r.created_at as Date,
  };
}
