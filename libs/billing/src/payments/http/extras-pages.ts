import { Injectable } from '@nestjs/common';
import { FormPresenter, RefusedForm, RequestContext, TenantDatabase } from '@consilium/core';
import { CaseExtras } from '../extras/case-extras.service';

/** The patient's extras page: what they bought, and (for the patient only) what they can buy now. */
@Injectable()
export class PortalExtrasPage implements FormPresenter {
  constructor(
    private readonly extras: CaseExtras,
    private readonly context: RequestContext,
  ) {}

  async show(caseId: string): Promise<Record<string, unknown>> {
    const { c, extras, offers } = await this.extras.forCase(caseId);
    const isPatient = this.context.actor()?.kind === 'patient';
    return {
      c: { id: c.id, number: c.number },
      extras: extras
        .filter((e) => e.status !== 'awaiting_payment')
        .map((e) => ({ ...e, kindKey: `payments.extras.kind.${e.kind}`, statusKey: `payments.extras.status.${e.status}` })),
      offers: isPatient
        ? offers.map((o) => ({ ...o, kindKey: `payments.extras.kind.${o.kind}`, whyKey: `payments.extras.why.${o.kind}` }))
        : [],
    };
  }

  refused({ params }: RefusedForm): Promise<Record<string, unknown>> {
    return this.show(params.id);
  }
}

/** The care team's list of paid video consults to schedule. */
@Injectable()
export class ConsoleExtrasPage implements FormPresenter {
  constructor(
    private readonly extras: CaseExtras,
    private readonly db: TenantDatabase,
  ) {}

  async show(): Promise<Record<string, unknown>> {
    return { consults: await this.db.transaction((tx) => this.extras.toSchedule(tx)) };
  }

  refused(): Promise<Record<string, unknown>> {
    return this.show();
  }
}
