import { Injectable } from '@nestjs/common';
import { first, InvalidInput, NotFound, RequestContext, TenantDatabase } from '@consilium/core';
import { Case } from './case.entity';
import { CaseAccess } from './case-access';
import { CasePipeline } from './case-pipeline.service';

export interface FollowUp {
  id: string;
  round: number;
  question: string;
  askedAt: Date;
  answer: string | null;
  answeredAt: Date | null;
}

/** Questions after delivery, as many rounds as the offering includes; the assigned physician answers each. */
@Injectable()
export class FollowUps {
  constructor(
    private readonly db: TenantDatabase,
    private readonly access: CaseAccess,
    private readonly pipeline: CasePipeline,
    private readonly context: RequestContext,
  ) {}

  list(caseId: string): Promise<FollowUp[]> {
    return this.db.transaction(async (tx) => {
      const c = await this.access.caseFor(tx, caseId);
      return tx.query(
        `SELECT id, round, question, asked_at AS "askedAt", answer, answered_at AS "answeredAt" FROM case_follow_ups WHERE case_id = $1 ORDER BY round`,
        [c.id],
      );
    });
  }

  ask(caseId: string, question: string): Promise<void> {
    const text = question.trim();
    if (!text) throw new InvalidInput({ question: 'Write your question first.' });
    if (text.length > 5000) throw new InvalidInput({ question: 'Keep the question under 5000 characters.' });
    return this.db.transaction(async (tx) => {
      const c = await this.access.caseFor(tx, caseId);
      if (this.context.actor()!.kind !== 'patient') throw new NotFound();
      // The move checks the state and that a round remains, and locks the case.
      await this.pipeline.move(tx, c.id, 'ask_follow_up', 'patient', { data: { round: c.followUpsUsed + 1 } });
      await tx.query('INSERT INTO case_follow_ups (tenant_id, case_id, round, question, asked_by) VALUES ($1, $2, $3, $4, $5)', [
        c.tenantId,
        c.id,
        c.followUpsUsed + 1,
        text,
        this.context.actor()!.id,
      ]);
      await tx.update(Case, { tenantId: c.tenantId, id: c.id }, { followUpsUsed: c.followUpsUsed + 1 });
    });
  }

  answer(caseId: string, followUpId: string, answer: string): Promise<void> {
    const text = answer.trim();
    if (!text) throw new InvalidInput({ answer: 'Write the answer first.' });
    return this.db.transaction(async (tx) => {
      const c = await this.access.caseFor(tx, caseId);
      const actor = this.context.actor()!;
      if (c.assignedPhysicianId !== actor.id) throw new NotFound();
      const answered = await first<{ round: number }>(
        tx,
        `UPDATE case_follow_ups SET answer = $3, answered_by = $4, answered_at = now() WHERE id = $1 AND case_id = $2 AND answer IS NULL RETURNING round`,
        [followUpId, c.id, text, actor.id],
      );
      if (!answered) throw new InvalidInput({ answer: 'This question was already answered.' });
      await this.pipeline.move(tx, c.id, 'answer_follow_up', 'physician', { data: { round: answered.round } });
    });
  }
}
