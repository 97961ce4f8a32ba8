import { Injectable } from '@nestjs/common';
import { TenantDatabase } from '@consilium/core';
import { TenantContentCache } from '@consilium/tenancy';
import { PhysiciansService } from './physicians.service';
import type { RosterSnapshot } from './roster.types';

/** The active roster of a tenant, from memory until a NOTIFY says it changed. */
@Injectable()
export class RosterReader {
  constructor(
    private readonly db: TenantDatabase,
    private readonly cache: TenantContentCache,
    private readonly physicians: PhysiciansService,
  ) {}

  snapshot(tenantId: string): Promise<RosterSnapshot> {
    return this.cache.get(tenantId, 'roster', () =>
      this.db.forTenant(tenantId, async (tx) => ({ physicians: await this.physicians.list(tx, tenantId) })),
    );
  }
}
