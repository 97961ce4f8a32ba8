import { Injectable } from '@nestjs/common';
import { Case, CaseAccess, CasePipeline } from '@consilium/cases';
import { InvalidInput, msg, NotFound, one, RequestContext, TenantDatabase } from '@consilium/core';
import { MfaService } from '@consilium/identity';
import { EntityManager } from 'typeorm';
import { Opinion } from './opinion.entity';
import { readQualityCheck } from './quality/quality-settings';

export interface OpinionDraftInput {
  diagnosisAgreement?: string;
  treatmentChanged?: string;
  diagnosisNote?: string;
  recommendations?: string;
  alternatives?: string;
  clinicalTrials?: string;
  answers?: string[];
  patientSummary?: string;
  amendmentReason?: string;
}

const LIMIT = 20000;

/**
 * The physician's side of an opinion: a draft saved as often as they like, signed with the second factor asked
 * again, amended only as a new version. Only the physician assigned to the case may write it.
 */
@Injectable()
export class OpinionEditor {
  constructor(
    private readonly db: TenantDatabase,
    private readonly access: CaseAccess,
    private readonly pipeline: CasePipeline,
    private readonly mfa: MfaService,
    private readonly context: RequestContext,
  ) {}

  /** The current draft (created on first use) and every signed version, newest first. */
  workspace(caseId: string): Promise<{ case: Case; draft: Opinion | null; inCheck: Opinion | null; signed: Opinion[] }> {
    return this.db.transaction(async (tx) => {
      const c = await this.assignedCase(tx, caseId);
      const all = await tx.find(Opinion, { where: { caseId: c.id }, order: { version: 'DESC' } });
      return {
        case: c,
        draft: all.find((o) => o.status === 'draft') ?? null,
        inCheck: all.find((o) => o.status === 'in_check') ?? null,
        signed: all.filter((o) => o.status === 'signed'),
      };
    });
  }

  saveDraft(caseId: string, input: OpinionDraftInput): Promise<Opinion> {
    return this.db.transaction(async (tx) => {
      const c = await this.assignedCase(tx, caseId);
      // opinion_signed: a version the quality check returned is amended before it was ever delivered.
      if (!['in_review', 'opinion_signed', 'delivered', 'follow_up', 'closed'].includes(c.state)) {
        throw new InvalidInput({ opinion: msg('opinions.editor.startFirst') });
      }
      const draft = await this.draftFor(tx, c);
      const fields = this.fields(input, c);
      await tx.update(Opinion, { tenantId: c.tenantId, id: draft.id }, fields);
      return { ...draft, ...fields };
    });
  }

  /**
   * Signs the draft after checking the second factor again; a first signature moves the case to opinion_signed.
   * Where the hospital asks for a quality check, the version waits `in_check` (not yet the patient's) instead.
   */
  sign(caseId: string, code: string): Promise<{ opinion: Opinion; amendment: boolean }> {
    return this.db.transaction(async (tx) => {
      const c = await this.assignedCase(tx, caseId);
      const actor = this.context.actor()!;
      const draft = await tx.findOne(Opinion, { where: { caseId: c.id, status: 'draft' } });
      if (!draft) throw new InvalidInput({ opinion: msg('opinions.editor.noDraft') });
      const missing = this.missing(draft, c);
      if (missing.length) throw new InvalidInput(Object.fromEntries(missing.map((m) => [m, msg('opinions.editor.complete')])));
      if (!(await this.mfa.verify(tx, actor.id, code))) throw new InvalidInput({ code: msg('opinions.editor.codeMismatch') });
      const status = (await readQualityCheck(tx, c.tenantId)) === 'none' ? 'signed' : 'in_check';
      await tx.update(Opinion, { tenantId: c.tenantId, id: draft.id }, { status, signedBy: actor.id, signedAt: new Date() });
      const amendment = draft.version > 1;
      // A version returned by the check and signed again finds the case already opinion_signed.
      if (!amendment && c.state === 'in_review')
        await this.pipeline.move(tx, c.id, 'sign_opinion', 'physician', { facts: { opinionSigned: true }, data: { opinionId: draft.id } });
      // An amendment in check is announced when it is approved.
      else if (amendment && status === 'signed')
        await this.pipeline.record(tx, c, { type: 'opinion_amended', data: { opinionId: draft.id, version: draft.version } });
      return { opinion: { ...draft, status, signedBy: actor.id }, amendment };
    });
  }

  /** An amendment starts a new draft from the last signed version; the signed versions stay as they were. */
  amend(caseId: string, reason: string): Promise<Opinion> {
    if (!reason.trim()) throw new InvalidInput({ amendment_reason: msg('opinions.editor.amendReason') });
    return this.db.transaction(async (tx) => {
      const c = await this.assignedCase(tx, caseId);
      const last = await tx.findOne(Opinion, { where: { caseId: c.id, status: 'signed' }, order: { version: 'DESC' } });
      if (!last) throw new InvalidInput({ opinion: msg('opinions.editor.onlySigned') });
      if (await tx.findOne(Opinion, { where: { caseId: c.id, status: 'draft' } }))
        throw new InvalidInput({ opinion: msg('opinions.editor.amendmentOpen') });
      if (await tx.findOne(Opinion, { where: { caseId: c.id, status: 'in_check' } }))
        throw new InvalidInput({ opinion: msg('opinions.editor.inCheck') });
      const { id: _id, signedAt: _s, signedBy: _b, createdAt: _c, updatedAt: _u, ...copy } = last;
      return tx.save(
        Opinion,
        tx.create(Opinion, {
          ...copy,
          version: last.version + 1,
          status: 'draft',
          amendmentReason: reason.trim(),
          authorId: this.context.actor()!.id,
        }),
      );
    });
  }

  private async assignedCase(tx: EntityManager, caseId: string): Promise<Case> {
    const c = await this.access.caseFor(tx, caseId);
    const actor = this.context.actor()!;
    // Writing the opinion is the assigned physician's alone, whatever else the person may see.
    if (actor.kind !== 'staff' || !actor.roles.includes('physician') || c.assignedPhysicianId !== actor.id) throw new NotFound();
    return c;
  }

  private async draftFor(tx: EntityManager, c: Case): Promise<Opinion> {
    const draft = await tx.findOne(Opinion, { where: { caseId: c.id, status: 'draft' } });
    if (draft) return draft;
    // A signed version waiting for its check is not edited: it comes back as a draft if the check returns it.
    if (await tx.findOne(Opinion, { where: { caseId: c.id, status: 'in_check' } }))
      throw new InvalidInput({ opinion: msg('opinions.editor.inCheck') });
    const { next } = await one<{ next: number }>(tx, 'SELECT coalesce(max(version), 0) + 1 AS next FROM opinions WHERE case_id = $1', [
      c.id,
    ]);
    return tx.save(
      Opinion,
      tx.create(Opinion, {
        tenantId: c.tenantId,
        caseId: c.id,
        version: next,
        status: 'draft',
        authorId: this.context.actor()!.id,
        answers: c.questions.map((question) => ({ question, answer: '' })),
        diagnosisNote: '',
        recommendations: '',
        alternatives: '',
        clinicalTrials: '',
        patientSummary: '',
      }),
    );
  }

  private fields(input: OpinionDraftInput, c: Case): Partial<Opinion> {
    const text = (v: string | undefined, name: string) => {
      if (v !== undefined && v.length > LIMIT) throw new InvalidInput({ [name]: msg('opinions.editor.tooLong', { max: LIMIT }) });
      return v?.trim();
    };
    const agreement = input.diagnosisAgreement;
    if (agreement && !['confirmed', 'refined', 'changed'].includes(agreement))
      throw new InvalidInput({ diagnosis_agreement: msg('opinions.editor.chooseAgreement') });
    const out: Partial<Opinion> = {};
    if (agreement) out.diagnosisAgreement = agreement as Opinion['diagnosisAgreement'];
    if (input.treatmentChanged === 'yes' || input.treatmentChanged === 'no') out.treatmentChanged = input.treatmentChanged === 'yes';
    const pairs: [keyof OpinionDraftInput, keyof Opinion, string][] = [
      ['diagnosisNote', 'diagnosisNote', 'diagnosis_note'],
      ['recommendations', 'recommendations', 'recommendations'],
      ['alternatives', 'alternatives', 'alternatives'],
      ['clinicalTrials', 'clinicalTrials', 'clinical_trials'],
      ['patientSummary', 'patientSummary', 'patient_summary'],
    ];
    for (const [from, to, name] of pairs) {
      const value = text(input[from] as string | undefined, name);
      if (value !== undefined) (out as Record<string, unknown>)[to] = value;
    }
    if (input.answers)
      out.answers = c.questions.map((question, i) => ({ question, answer: text(input.answers![i] ?? '', `answer_${i}`) ?? '' }));
    return out;
  }

  private missing(o: Opinion, c: Case): string[] {
    const out: string[] = [];
    if (!o.diagnosisAgreement) out.push('diagnosis_agreement');
    if (o.treatmentChanged === null) out.push('treatment_changed');
    if (!o.recommendations) out.push('recommendations');
    if (!o.patientSummary) out.push('patient_summary');
    c.questions.forEach((_, i) => {
      if (!o.answers[i]?.answer) out.push(`answer_${i}`);
    });
    return out;
  }
}
