import { Injectable } from '@nestjs/common';
import { FormPresenter, RefusedForm } from '@consilium/core';
import { IntakeDrafts } from '../../wizard/intake-drafts.service';
import { draftView } from './draft-view';

/** The local physician step, on a route whose opinion goes to the patient's own physician. */
@Injectable()
export class LocalPhysicianStep implements FormPresenter {
  constructor(private readonly drafts: IntakeDrafts) {}

  /** The saved physician; undefined when the route needs none (the step is skipped). */
  async saved(id: string): Promise<Record<string, unknown> | undefined> {
    const { c, progress } = await this.drafts.draft(id);
    if (!progress.needsLocalPhysician) return undefined;
    return { draft: draftView(c, progress, 'physician'), values: { ...(c.localPhysician ?? {}) } };
  }

  async refused({ params, values }: RefusedForm): Promise<Record<string, unknown>> {
    const { c, progress } = await this.drafts.draft(params.id);
    return { draft: draftView(c, progress, 'physician'), values };
  }
}
