import { ConsiliumStore } from '@consilium/core';
import { INestApplicationContext } from '@nestjs/common';
import { ClsService } from 'nestjs-cls';

/**
 * Runs `work` as a request of `tenant` would (the tenant in the request context), for services the admin console
 * will call. Accounts and roles come with the accounts issue; here only the tenant matters.
 */
export function asTenant<T>(app: INestApplicationContext, tenant: { id: string; slug: string }, work: () => Promise<T>): Promise<T> {
  const cls = app.get<ClsService<ConsiliumStore>>(ClsService);
  return cls.run(() => {
    cls.set('tenant', { id: tenant.id, slug: tenant.slug, status: 'active' });
    return work();
  });
}
