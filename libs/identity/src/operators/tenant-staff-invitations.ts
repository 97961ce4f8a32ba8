import { Injectable } from '@nestjs/common';
import { AuditLog } from '@consilium/audit';
import { ConsiliumStore, NotFound } from '@consilium/core';
import { ResolvedTenant, TenantResolver } from '@consilium/tenancy';
import { ClsService } from 'nestjs-cls';
import { StaffRole } from '../permissions';
import { StaffService } from '../staff.service';

export interface StaffInvitation {
  email: string;
  name: string;
  roles: StaffRole[];
  /** The invitation's language; the hospital's default when not given. */
  locale?: string;
}

export type InvitationOutcome = { invited: true; accountId: string; tenant: ResolvedTenant } | { invited: false; roles: StaffRole[] };

/**
 * An operator invites a hospital's staff member (its first admin, usually), from the new-hospital wizard or
 * `cli staff invite`. The one operator path into a hospital's staff: the console's own StaffService.invite, run in
 * that hospital's tenant context (its row-level security, its branded email through the same queue), and audited on
 * both sides, in the operator log and in the hospital's. Someone already on the staff is left as they are.
 */
@Injectable()
export class TenantStaffInvitations {
  constructor(
    private readonly resolver: TenantResolver,
    private readonly cls: ClsService<ConsiliumStore>,
    private readonly staff: StaffService,
    private readonly audit: AuditLog,
  ) {}

  async invite(tenantId: string, invitation: StaffInvitation, operatorId: string | null): Promise<InvitationOutcome> {
    const tenant = await this.resolver.byId(tenantId);
    if (!tenant) throw new NotFound();
    const outcome = await this.cls.run({ ifNested: 'inherit' }, async (): Promise<InvitationOutcome> => {
      this.cls.set('tenant', tenant);
      // The hospital's audit log names an operator as the actor (the CLI's has no id: the terminal is not an account).
      this.cls.set('actor', { id: operatorId ?? 'cli', kind: 'operator', roles: [] });
      const existing = await this.staff.findByEmail(invitation.email);
      if (existing) return { invited: false, roles: existing.roles };
      const accountId = await this.staff.invite({ ...invitation, locale: invitation.locale ?? tenant.defaultLocale });
      await this.audit.record({ action: 'staff.invite', entityType: 'account', entityId: accountId, outcome: 'allowed' }, tenant.id);
      return { invited: true, accountId, tenant };
    });
    if (outcome.invited) {
      const action = invitation.roles.includes('admin') ? 'tenant.invite_admin' : 'tenant.invite_staff';
      await this.audit.recordOperator({ action, operatorId, entityType: 'tenant', entityId: tenantId, outcome: 'allowed' });
    }
    return outcome;
  }
}
