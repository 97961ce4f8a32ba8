// The server side of upload-1gib.mjs, in its own process so its memory is measured alone: the compiled platform
// (dist/) with the records routes mounted, an embedded PostgreSQL, local encrypted storage, one tenant.
import { createHash, randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { productionConfig } from './support/config.mjs';

const require = createRequire(import.meta.url);
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const dist = (p) => require(path.join(root, 'dist', p));
require('reflect-metadata');
const core = dist('libs/core/src/index.js');
// The operator path is its own entry point (@consilium/core/operator-data), no longer in core's index.
const { OperatorDatabase } = dist('libs/core/src/operator-data/index.js');
const records = dist('libs/records/src/index.js');
const tenancy = dist('libs/tenancy/src/index.js');
const { PlatformModule } = dist('apps/platform/src/platform.module.js');
const { allMigrations } = dist('migrations/index.js');

const dataDir = process.argv[2];
const dbPort = Number(process.argv[3]);

/** The benchmark's stand-in for the intake's access rules: every case is open. */
class OpenAccess extends records.RecordAccess {
  async assertCanUpload() {}
  async assertCanRead() {}
}

const db = await core.startEmbeddedDatabase({ dataDir, port: dbPort, settings: { fsync: 'off', synchronous_commit: 'off' } });
await core.runMigrations(db.urls.owner, allMigrations);
const config = productionConfig({
  DATABASE_URL: db.urls.runtime,
  DATABASE_OWNER_URL: db.urls.owner,
  DATABASE_OPERATOR_URL: db.urls.operator,
  LOG_LEVEL: 'silent',
  DATA_DIR: dataDir,
});
const app = await core.createWebApp(
  PlatformModule.register(config, { imports: [records.RecordsHttpModule.register({ access: OpenAccess })] }, { domains: false }),
  config,
);
await app.listen({ port: 0, host: '127.0.0.1' });

const slug = `bench-${randomBytes(3).toString('hex')}`;
const logo = Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10" height="10"/></svg>');
const blueprint = tenancy.blueprintSchema.parse({
  slug,
  name: 'Benchmark Hospital',
  case_prefix: 'BEN',
  time_zone: 'America/New_York',
  currency: 'USD',
  branding: { logo: 'assets/logo.svg', colors: { primary: '#123456', accent: '#abcdef' } },
});
const asset = {
  name: 'logo.svg',
  contentType: tenancy.sniffImage(logo),
  bytes: logo,
  sha256: createHash('sha256').update(logo).digest('hex'),
};
const { tenantId } = await app
  .get(tenancy.BlueprintApplier)
  .apply({ dir: `/virtual/${slug}`, file: `tenants/${slug}/tenant.yaml`, blueprint, assets: [asset] });

// Records belong to cases (a foreign key): one fresh case per upload, so the same file is never a duplicate.
const cases = await app.get(OperatorDatabase).forTenant(tenantId, async (tx) => {
  const [patient] = await tx.query(
    `INSERT INTO accounts (tenant_id, kind, email, name) VALUES ($1, 'patient', 'bench@example.org', 'Bench') RETURNING id`,
    [tenantId],
  );
  const rows = await tx.query(
    `INSERT INTO cases (tenant_id, number, patient_id) SELECT $1, 'BEN-' || n, $2 FROM generate_series(1, 64) AS n RETURNING id`,
    [tenantId, patient.id],
  );
  return rows.map((r) => r.id);
});

process.send({ port: app.getHttpServer().address().port, host: `${slug}.localhost`, cases });
process.on('message', async (message) => {
  if (message !== 'stop') return;
  await app.close();
  await db.server.stop();
  process.exit(0);
});
