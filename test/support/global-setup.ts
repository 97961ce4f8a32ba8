import { chmodSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startEmbeddedDatabase } from '../../libs/core/src/database/embedded-database';
import { runMigrations } from '../../libs/core/src/database/migrator';
import { allMigrations } from '../../migrations';
import { createTemplateDatabase } from './isolated-database';
import { freePort } from './ports';

/**
 * One real PostgreSQL for the whole run: the embedded one in a temporary folder (fsync off: nothing here needs to
 * survive a power cut), unless TEST_DATABASE_URL (+ _OWNER_URL, _OPERATOR_URL) points at another. Suites create
 * their own tenants, so they never depend on each other's data.
 */
export default async function globalSetup(): Promise<void> {
  if (process.env.TEST_DATABASE_URL) {
    await runMigrations(process.env.TEST_DATABASE_OWNER_URL!, allMigrations);
    return;
  }
  const dataDir = mkdtempSync(path.join(tmpdir(), 'consilium-test-'));
  chmodSync(dataDir, 0o755); // PostgreSQL runs as the postgres user when we are root: it must reach its folder.
  const db = await startEmbeddedDatabase({
    dataDir,
    port: await freePort(),
    settings: { fsync: 'off', synchronous_commit: 'off', full_page_writes: 'off', max_connections: '300' },
  });
  await runMigrations(db.urls.owner, allMigrations);
  // Job queues are platform-wide, not per tenant: suites that run job handlers each work on a copy of this
  // database, cloned from a template made now, while nothing is connected (test/support/isolated-database.ts).
  process.env.TEST_DATABASE_TEMPLATE = await createTemplateDatabase(db.server.superuserUrl(), 'consilium');
  process.env.TEST_DATABASE_URL = db.urls.runtime;
  process.env.TEST_DATABASE_OWNER_URL = db.urls.owner;
  process.env.TEST_DATABASE_OPERATOR_URL = db.urls.operator;
  process.env.TEST_DATABASE_SUPERUSER_URL = db.server.superuserUrl();
  process.env.TEST_DATA_DIR = dataDir;
  (globalThis as Record<string, unknown>).__consiliumTestDb = db;
}
