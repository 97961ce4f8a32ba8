import { Injectable } from '@nestjs/common';
import { CaseAccess } from '@consilium/cases';
import { InvalidInput, msg, NotFound, RequestContext, rows, TenantDatabase } from '@consilium/core';
import { EntityManager } from 'typeorm';

export interface InternalNote {
  body: string;
  authorName: string;
  at: Date;
}

const LIMIT = 5000;

/**
 * Staff-only notes on a case (issue #22): what the care team tells each other. Written and read only on staff pages
 * (the physician's workspace, the quality check); never on the patient's pages, in a letter, an email or an export.
 * Rows are never changed or deleted (the table refuses it), so the notes are their own record.
 */
@Injectable()
export class InternalNotes {
  constructor(
    private readonly db: TenantDatabase,
    private readonly access: CaseAccess,
    private readonly context: RequestContext,
  ) {}

  /** Notes of a case the staff member may see, oldest first; anyone else gets 404. */
  list(caseId: string): Promise<InternalNote[]> {
    return this.db.transaction(async (tx) => {
      await this.staffCase(tx, caseId);
      return this.of(tx, caseId);
    });
  }

  add(caseId: string, body: string | undefined): Promise<void> {
    return this.db.transaction(async (tx) => {
      const c = await this.staffCase(tx, caseId);
      await this.write(tx, c, body);
    });
  }

  /** Writes a note on a case the caller has already decided the staff member may see. */
  async write(tx: EntityManager, c: { tenantId: string; id: string }, body: string | undefined): Promise<void> {
    const text = (body ?? '').trim();
    if (!text) throw new InvalidInput({ internal_note: msg('opinions.notes.empty') });
    if (text.length > LIMIT) throw new InvalidInput({ internal_note: msg('opinions.editor.tooLong', { max: LIMIT }) });
    await tx.query('INSERT INTO case_internal_notes (tenant_id, case_id, author_id, body) VALUES ($1, $2, $3, $4)', [
      c.tenantId,
      c.id,
      this.context.actor()!.id,
      text,
    ]);
  }

  /** For a caller that has already decided the reader may see the case (the quality check's reviewer). */
  of(tx: EntityManager, caseId: string): Promise<InternalNote[]> {
    return rows(
      tx,
      `SELECT n.body, a.name AS "authorName", n.created_at AS at
         FROM case_internal_notes n JOIN accounts a ON a.tenant_id = n.tenant_id AND a.id = n.author_id
        WHERE n.case_id = $1 ORDER BY n.created_at`,
      [caseId],
    );
  }

  private async staffCase(tx: EntityManager, caseId: string) {
    if (this.context.actor()?.kind !== 'staff') throw new NotFound();
    return this.access.caseFor(tx, caseId);
  }
}
