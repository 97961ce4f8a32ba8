import { Injectable } from '@nestjs/common';
import { ConsiliumStore, NotFound } from '@consilium/core';
import { FirstAdminInvitations, TenantResolver } from '@consilium/tenancy';
import { ClsService } from 'nestjs-cls';
import { StaffService } from './staff.service';

/** The operator wizard's first administrator gets the same invitation as staff an admin invites, from the new site. */
@Injectable()
export class StaffFirstAdminInvitations extends FirstAdminInvitations {
  constructor(
    private readonly staff: StaffService,
    private readonly resolver: TenantResolver,
    private readonly cls: ClsService<ConsiliumStore>,
  ) {
    super();
  }

  async invite(tenantId: string, admin: { name: string; email: string }): Promise<void> {
    const tenant = await this.resolver.byId(tenantId);
    if (!tenant) throw new NotFound();
    // StaffService works for the request's tenant: for this call, that is the new hospital.
    await this.cls.run({ ifNested: 'inherit' }, async () => {
      this.cls.set('tenant', tenant);
      await this.staff.invite({ ...admin, roles: ['admin'], locale: tenant.defaultLocale });
    });
  }
}
