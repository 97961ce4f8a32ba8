import { importsOf, productionSources, SourceFile } from './source-files';

/**
 * One way to reach tenant data: TenantDatabase, where row-level security applies. The other two ways exist for a
 * few named reasons, and every file that uses one is listed here with its reason, so a new use fails CI until
 * someone adds it on purpose (and a reviewer reads why):
 * - the operator data path (BYPASSRLS), reached only through `@consilium/core/operator-data`;
 * - a raw connection: TypeORM's DataSource (InjectDataSource, DataSource.query), a pg Client or Pool, pg-boss's own.
 * Test code is not scanned: suites and their support look at rows as they are, across hospitals, to check them.
 */
const OPERATOR_PATH: Record<string, string> = {
  // The path itself.
  'libs/core/src/operator-data/index.ts': 'the entry point `@consilium/core/operator-data`',
  'libs/core/src/operator-data/operator-data.module.ts': 'provides the operator path to the libs that import it',
  'libs/core/src/operator-data/operator-database.ts': 'the operator path: its own role and pool',
  // Operators' reports across hospitals (read only).
  'libs/analytics/src/benchmarks/benchmarks.service.ts': "operator report: percentiles across hospitals' monthly rollups",
  'libs/analytics/src/analytics.module.ts': 'provides Benchmarks',
  'libs/billing/src/payments/revenue-reports.service.ts': "operator report: every hospital's revenue totals",
  'libs/billing/src/payments/reconciliation.service.ts': "operator report: every hospital's recent payments against the provider's",
  'libs/jobs/src/failed-jobs.ts': 'operator report: dead jobs of every hospital with its slug, and retrying one',
  // Onboarding: tenants are rows of the platform (the tenants table is keyed by id, not tenant_id).
  'libs/tenancy/src/blueprint/blueprint-applier.ts': 'onboarding: creates a tenant and makes it match its blueprint',
  'libs/tenancy/src/tenant-directory.ts': 'onboarding: lists tenants, finds one by slug, suspends and resumes',
  'libs/tenancy/src/tenancy.module.ts': 'provides BlueprintApplier and TenantDirectory',
  // Platform tables the runtime role may not touch (REVOKEd in their migrations).
  'libs/identity/src/operators/operator-accounts.service.ts': 'operators, their sessions and recovery codes',
  'libs/identity/src/operators/operator-sign-in-links.ts': "operators: a new operator's one-time sign-in link and first password",
  'libs/identity/src/identity.module.ts': 'provides OperatorAccounts and OperatorSignInLinks',
  'libs/audit/src/audit-log.service.ts': "operator_audit_events: operators' own audit trail",
  'libs/audit/src/audit.module.ts': 'provides AuditLog',
  'libs/billing/src/payments/reconciliation-schedule.service.ts': 'payment_reconciliations: the daily run claimed by one instance',
  'libs/billing/src/payments/payments.module.ts': 'provides the reconciliation and the revenue report',
  // Housekeeping across hospitals.
  'libs/records/src/uploads/upload-sweep.ts':
    "which hospitals have expired upload sessions (ids only); each is removed in that hospital's own transaction",
  'libs/records/src/records.module.ts': 'provides UploadSweep',
  'libs/jobs/src/jobs.module.ts': 'provides FailedJobs',
};

const RAW_CONNECTION: Record<string, string> = {
  // The data paths themselves, and what checks them.
  'libs/core/src/database/tenant-database.ts': 'TenantDatabase: the tenant transaction, and withoutTenant()',
  'libs/core/src/database/data-source-options.ts': 'how every connection is configured, and its pool for metrics',
  'libs/core/src/database/migrator.ts': 'migrations run on the owner role',
  'libs/core/src/database/provision.ts': 'creates the database and its roles from an administrator connection',
  'libs/core/src/database/runtime-role-check.ts': 'refuses to boot on a role that could bypass row-level security',
  'libs/core/src/database/embedded-postgres.ts': 'the embedded server: whether it answers yet, as its superuser',
  'libs/core/src/core.module.ts': 'runs the runtime-role check at boot',
  'libs/core/src/operator-data/operator-database.ts': 'the operator path opens its own connection',
  'libs/core/src/web/health.ts': 'readiness: the database answers and every migration is applied',
  'libs/core/src/metrics/database-metrics.ts': 'pool gauges read from the pools themselves',
  'libs/core/src/web/rate-limit/rate-limiter.ts':
    'abuse limits count requests in rate_limits, a platform table, before any tenant is known (and for every host)',
  // Connections that are not queries of tenant data.
  'libs/jobs/src/pg-boss-client.ts': "pg-boss's own pool on the runtime role, for its pgboss schema",
  'libs/jobs/src/job-metrics.ts': "queue depth, running and dead jobs read from pg-boss's table at scrape time",
  'libs/jobs/src/job-wakeup.ts': 'LISTEN for enqueued jobs (a dedicated connection)',
  'libs/tenancy/src/cache/tenant-change-feed.ts': 'LISTEN for tenant changes (a dedicated connection)',
};

function usesOperatorPath(source: SourceFile): boolean {
  return (
    source.file.startsWith('libs/core/src/operator-data/') ||
    importsOf(source.text).some((i) => i.specifier === '@consilium/core/operator-data' || /(^|\/)operator-data(\/|$)/.test(i.specifier)) ||
    /\bOperatorDatabase\b|\bOperatorDataModule\b/.test(source.text)
  );
}

function usesRawConnection(source: SourceFile): boolean {
  const imports = importsOf(source.text);
  return (
    /\bInjectDataSource\b|\bgetDataSourceToken\b/.test(source.text) ||
    // A type alone opens nothing (Nest cannot inject through \`import type\`): core's SQL helpers name it.
    imports.some((i) => i.specifier === 'typeorm' && !i.typeOnly && /\bDataSource\b/.test(i.names)) ||
    imports.some((i) => i.specifier === 'pg' && !i.typeOnly) ||
    imports.some((i) => i.specifier === 'pg-boss' && !i.typeOnly)
  );
}

describe('data paths', () => {
  const sources = productionSources();

  it('scans the code the build compiles (and would see a new use)', () => {
    expect(sources.length).toBeGreaterThan(300);
    expect(usesOperatorPath({ file: 'x.ts', text: "import { OperatorDatabase } from '@consilium/core/operator-data';" })).toBe(true);
    expect(usesRawConnection({ file: 'x.ts', text: "import { InjectDataSource } from '@nestjs/typeorm';" })).toBe(true);
    expect(usesRawConnection({ file: 'x.ts', text: "import { DataSource, EntityManager } from 'typeorm';" })).toBe(true);
    expect(usesRawConnection({ file: 'x.ts', text: "import { Client } from 'pg';" })).toBe(true);
    expect(usesRawConnection({ file: 'x.ts', text: "import type { DataSource, EntityManager } from 'typeorm';" })).toBe(false);
    expect(usesRawConnection({ file: 'x.ts', text: "import type { Pool } from 'pg';\nimport { EntityManager } from 'typeorm';" })).toBe(
      false,
    );
  });

  it('uses the operator data path only in the listed files', () => {
    const found = sources.filter(usesOperatorPath).map((s) => s.file);
    expect(found.filter((f) => !(f in OPERATOR_PATH))).toEqual([]);
    // A file that stopped using it leaves the list too, so the list stays the truth.
    expect(Object.keys(OPERATOR_PATH).filter((f) => !found.includes(f))).toEqual([]);
  });

  it('opens a raw connection (DataSource, pg, pg-boss) only in the listed files', () => {
    const found = sources.filter(usesRawConnection).map((s) => s.file);
    expect(found.filter((f) => !(f in RAW_CONNECTION))).toEqual([]);
    expect(Object.keys(RAW_CONNECTION).filter((f) => !found.includes(f))).toEqual([]);
  });

  it('gives every listed file a reason', () => {
    for (const [file, reason] of Object.entries({ ...OPERATOR_PATH, ...RAW_CONNECTION })) {
      expect({ file, reason: reason.length > 10 }).toEqual({ file, reason: true });
    }
  });

  it('keeps the operator path out of @consilium/core and CoreModule', () => {
    const core = sources.find((s) => s.file === 'libs/core/src/index.ts')!;
    expect(importsOf(core.text).filter((i) => i.specifier.includes('operator-data'))).toEqual([]);
    const coreModule = sources.find((s) => s.file === 'libs/core/src/core.module.ts')!;
    expect(usesOperatorPath(coreModule)).toBe(false);
  });
});
