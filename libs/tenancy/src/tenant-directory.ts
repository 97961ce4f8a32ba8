import { Injectable } from '@nestjs/common';
import { OperatorDatabase } from '@consilium/core/operator-data';
import { Tenant } from './tenant.entity';

export interface TenantListing {
  id: string;
  slug: string;
  name: string;
  status: string;
  primaryHost: string | null;
  hosts: string[];
}

/** Operator-side listing of tenants across the platform (operator data path only). */
@Injectable()
export class TenantDirectory {
  constructor(private readonly operatorDb: OperatorDatabase) {}

  list(): Promise<TenantListing[]> {
    return this.operatorDb.transaction(async (tx) => {
      const rows: { id: string; slug: string; name: string; status: string; hosts: string[] | null; primary_host: string | null }[] =
        await tx.query(`
          SELECT t.id, t.slug, t.name, t.status,
                 array_agg(d.host ORDER BY d.is_primary DESC, d.host) FILTER (WHERE d.host IS NOT NULL) AS hosts,
                 max(d.host) FILTER (WHERE d.is_primary) AS primary_host
            FROM tenants t LEFT JOIN tenant_domains d ON d.tenant_id = t.id
           GROUP BY t.id ORDER BY t.slug`);
      return rows.map((r) => ({
        id: r.id,
        slug: r.slug,
        name: r.name,
        status: r.status,
        primaryHost: r.primary_host,
        hosts: r.hosts ?? [],
      }));
    });
  }

  /** A tenant's id by its slug, or null. */
  async idOf(slug: string): Promise<string | null> {
    const [row] = await this.operatorDb.transaction((tx): Promise<{ id: string }[]> =>
      tx.query('SELECT id FROM tenants WHERE slug = $1', [slug]),
    );
    return row?.id ?? null;
  }

  /** The slug of the hospital whose case numbers start with `prefix`, or null when no hospital uses it. */
  async casePrefixOwner(prefix: string): Promise<string | null> {
    const [row] = await this.operatorDb.transaction((tx): Promise<{ slug: string }[]> =>
      tx.query('SELECT slug FROM tenants WHERE case_prefix = $1', [prefix]),
    );
    return row?.slug ?? null;
  }

  /**
   * A demo hospital's id by its slug (its blueprint says `demo: true`), or null: a real hospital dropped into
   * tenants/ never gets the demo's accounts with their published password.
   */
  async demoIdOf(slug: string): Promise<string | null> {
    const [row] = await this.operatorDb.transaction((tx): Promise<{ id: string }[]> =>
      tx.query(`SELECT id FROM tenants WHERE slug = $1 AND settings @> '{"demo": true}'`, [slug]),
    );
    return row?.id ?? null;
  }

  setStatus(slug: string, status: 'active' | 'suspended'): Promise<boolean> {
    return this.operatorDb.transaction(async (tx) => {
      const result = await tx.update(Tenant, { slug }, { status });
      return (result.affected ?? 0) > 0;
    });
  }
}
