import { Injectable } from '@nestjs/common';
import { ConsoleHomeSections, ContextActor, RequestContext } from '@consilium/core';
import { ResolvedTenant } from '@consilium/tenancy';
import { LaunchChecklistService } from './launch-checklist';

/** The admin's console home: how far the launch checklist is, and the link to it (for admins only). */
@Injectable()
export class LaunchHomeSection {
  constructor(
    private readonly checklist: LaunchChecklistService,
    private readonly context: RequestContext,
    sections: ConsoleHomeSections,
  ) {
    sections.register({ name: 'launch', order: 20, partial: 'marketing/launch-home', load: (actor) => this.load(actor) });
  }

  private async load(actor: ContextActor): Promise<Record<string, unknown> | null> {
    if (!actor.roles.includes('admin')) return null;
    const tenant = this.context.tenant<ResolvedTenant>();
    const list = await this.checklist.for(tenant);
    return { done: list.items.filter((i) => i.done).length, total: list.items.length, live: tenant.status !== 'coming_soon' };
  }
}
