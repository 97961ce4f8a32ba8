import { Injectable } from '@nestjs/common';
import { FormPresenter, msg, RefusedForm } from '@consilium/core';
import { OpinionQualityChecks } from '../quality/opinion-quality-checks.service';
import { QUALITY_CHECKS } from '../quality/quality-settings';

/**
 * The reviewer's queue and check page (the signed version as the patient would read it, the case it answers, the
 * earlier checks of this version), and the admin's choice of check. A refused return keeps the comment as typed.
 */
@Injectable()
export class QualityPage implements FormPresenter {
  constructor(private readonly checks: OpinionQualityChecks) {}

  async list(flash: { approved?: boolean; returned?: boolean } = {}): Promise<Record<string, unknown>> {
    return { rows: await this.checks.queue(), ...flash };
  }

  async check(id: string, typed?: Record<string, string | string[]>): Promise<Record<string, unknown>> {
    const { opinion, case: c, signerName, history, notes } = await this.checks.work(id);
    return {
      title: msg('opinions.quality.title', { number: c.number }),
      opinion,
      c,
      signerName,
      history,
      notes,
      noteAction: `/console/quality/${opinion.id}/notes`,
      internalNote: typeof typed?.internal_note === 'string' ? typed.internal_note : '',
      agreementKey: `opinions.opinion.agreement.${opinion.diagnosisAgreement ?? 'confirmed'}`,
      comment: typeof typed?.comment === 'string' ? typed.comment : '',
    };
  }

  async settings(saved = false): Promise<Record<string, unknown>> {
    const current = await this.checks.setting();
    return {
      saved,
      choices: QUALITY_CHECKS.map((value) => ({ value, checked: value === current, key: `opinions.quality.choice.${value}` })),
    };
  }

  refused({ params, values, action }: RefusedForm): Promise<Record<string, unknown>> {
    return action.endsWith('/settings') ? this.settings() : this.check(params.id, values);
  }
}
