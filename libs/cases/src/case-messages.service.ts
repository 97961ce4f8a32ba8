import { Injectable } from '@nestjs/common';
import { InvalidInput, one, RequestContext, rows, TenantDatabase } from '@consilium/core';
import { CaseAccess } from './case-access';
import { CaseNotices } from './case-notices';
import { CasePipeline } from './case-pipeline.service';

export interface CaseMessage {
  id: string;
  authorKind: 'patient' | 'staff' | 'local_physician';
  authorName: string;
  body: string;
  createdAt: Date;
  mine: boolean;
}

export const MESSAGE_MAX_LENGTH = 5000;

/** Secure messages on a case between the patient (or their local physician) and the care team. */
@Injectable()
export class CaseMessages {
  constructor(
    private readonly db: TenantDatabase,
    private readonly access: CaseAccess,
    private readonly pipeline: CasePipeline,
    private readonly context: RequestContext,
    private readonly notices: CaseNotices,
  ) {}

  list(caseId: string): Promise<CaseMessage[]> {
    return this.db.transaction(async (tx) => {
      const c = await this.access.caseFor(tx, caseId);
      const actor = this.context.actor()!;
      const messages = await rows<{
        id: string;
        author_kind: CaseMessage['authorKind'];
        author_name: string;
        body: string;
        created_at: Date;
        mine: boolean;
      }>(
        tx,
        `SELECT m.id, m.author_kind, a.name AS author_name, m.body, m.created_at, m.author_id = $2 AS mine
           FROM case_messages m JOIN accounts a ON a.tenant_id = m.tenant_id AND a.id = m.author_id
          WHERE m.case_id = $1 ORDER BY m.created_at, m.id`,
        [c.id, actor.id],
      );
      const column = actor.kind === 'staff' ? 'read_by_staff_at' : 'read_by_patient_at';
      await tx.query(`UPDATE case_messages SET ${column} = now() WHERE case_id = $1 AND ${column} IS NULL AND author_id <> $2`, [
        c.id,
        actor.id,
      ]);
      return messages.map((r) => ({
        id: r.id,
        authorKind: r.author_kind,
        authorName: r.author_name,
        body: r.body,
        createdAt: r.created_at,
        mine: r.mine,
      }));
    });
  }

  /** Adds a message and a case event (without its text: events feed analytics and must not carry free text). */
  send(caseId: string, body: string): Promise<{ id: string; caseId: string; tenantId: string; authorKind: string }> {
    const text = body.trim();
    if (!text) throw new InvalidInput({ body: 'Write your message first.' });
    if (text.length > MESSAGE_MAX_LENGTH) throw new InvalidInput({ body: `Keep a message under ${MESSAGE_MAX_LENGTH} characters.` });
    return this.db.transaction(async (tx) => {
      const c = await this.access.caseFor(tx, caseId);
      const actor = this.context.actor()!;
      const authorKind = actor.kind === 'staff' ? 'staff' : actor.kind === 'local_physician' ? 'local_physician' : 'patient';
      const row = await one<{ id: string }>(
        tx,
        'INSERT INTO case_messages (tenant_id, case_id, author_id, author_kind, body) VALUES ($1, $2, $3, $4, $5) RETURNING id',
        [c.tenantId, c.id, actor.id, authorKind, text],
      );
      await this.pipeline.record(tx, c, { type: 'message', data: { authorKind } });
      await this.notices.newMessage(tx, c, authorKind);
      return { id: row.id, caseId: c.id, tenantId: c.tenantId, authorKind };
    });
  }
}
