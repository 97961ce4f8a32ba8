import { Injectable } from '@nestjs/common';
import { RequestContext } from '@consilium/core';
import { FirstAdminInvitations } from '@consilium/tenancy';
import { TenantStaffInvitations } from './operators/tenant-staff-invitations';

/**
 * The operator wizard's first administrator gets the same invitation as staff an admin invites, from the new site:
 * the one operator path into a hospital's staff (TenantStaffInvitations), which the CLI's `staff invite` also takes,
 * and which audits the invitation in the operator's log and the hospital's.
 */
@Injectable()
export class StaffFirstAdminInvitations extends FirstAdminInvitations {
  constructor(
    private readonly invitations: TenantStaffInvitations,
    private readonly context: RequestContext,
  ) {
    super();
  }

  async invite(tenantId: string, admin: { name: string; email: string }): Promise<void> {
    await this.invitations.invite(tenantId, { ...admin, roles: ['admin'] }, this.context.actor()?.id ?? null);
  }
}
