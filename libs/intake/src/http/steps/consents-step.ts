import { Injectable } from '@nestjs/common';
import { Case, CONSENT_KINDS, ConsentKind, requiredConsents } from '@consilium/cases';
import { FormPresenter, RefusedForm, RequestContext, Translator } from '@consilium/core';
import { ResolvedTenant } from '@consilium/tenancy';
import { ConsentDocument, consentDocument } from '../../wizard/consent-documents';
import { IntakeDrafts, IntakeProgress } from '../../wizard/intake-drafts.service';
import { draftView } from './draft-view';

/** The consents step: each text the route needs, in the patient's language, with its version. */
@Injectable()
export class ConsentsStep implements FormPresenter {
  constructor(
    private readonly drafts: IntakeDrafts,
    private readonly context: RequestContext,
    private readonly translator: Translator,
  ) {}

  /**
   * Every consent text as shown to this patient (their language, the hospital's name, the emergency number of where
   * they live): what is hashed and stored.
   */
  documents(c: Case): ConsentDocument[] {
    const locale = this.context.locale();
    const reader = { hospital: this.context.tenant<ResolvedTenant>().name, jurisdiction: c.jurisdiction };
    return CONSENT_KINDS.map((kind) => consentDocument(kind, locale, reader, this.translator));
  }

  async saved(id: string): Promise<Record<string, unknown>> {
    const { c, progress } = await this.drafts.draft(id);
    return this.model(
      c,
      progress,
      CONSENT_KINDS.filter((k) => !progress.missingConsents.includes(k)),
    );
  }

  async refused({ params, values, errors }: RefusedForm): Promise<Record<string, unknown>> {
    const { c, progress } = await this.drafts.draft(params.id);
    return this.model(c, progress, agreedIn(values), errors);
  }

  private model(c: Case, progress: IntakeProgress, agreed: ConsentKind[], errors: Record<string, string> = {}) {
    const needed = requiredConsents(c.routeOverride?.route ?? c.route);
    const documents = this.documents(c)
      .filter((d) => needed.includes(d.kind))
      .map((d) => ({ ...d, field: `consent_${d.kind}`, checked: agreed.includes(d.kind), error: errors[`consent_${d.kind}`] }));
    return { draft: draftView(c, progress, 'consents'), documents };
  }
}

/** The consents ticked in a posted form. */
export function agreedIn(body: Record<string, unknown>): ConsentKind[] {
  return CONSENT_KINDS.filter((k) => body[`consent_${k}`] === 'yes');
}
