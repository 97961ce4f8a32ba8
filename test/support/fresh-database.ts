import { provisionDatabase, runMigrations } from '@consilium/core';
import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { allMigrations } from '../../migrations';

export interface FreshDatabase {
  env: Record<string, string>;
  drop(): Promise<void>;
}

/**
 * An empty, migrated database in the test cluster, with the same three roles (and passwords) as the main one:
 * for "apply on an empty database" round trips. Needs the superuser of the embedded test cluster.
 */
export async function createFreshDatabase(): Promise<FreshDatabase> {
  const superuser = process.env.TEST_DATABASE_SUPERUSER_URL;
  if (!superuser) throw new Error('TEST_DATABASE_SUPERUSER_URL is not set: fresh databases need the embedded test cluster');
  const name = `fresh_${randomBytes(4).toString('hex')}`;
  const password = (url: string) => decodeURIComponent(new URL(url).password);
  const urls = await provisionDatabase(superuser, name, {
    owner: password(process.env.TEST_DATABASE_OWNER_URL!),
    runtime: password(process.env.TEST_DATABASE_URL!),
    operator: password(process.env.TEST_DATABASE_OPERATOR_URL!),
  });
  await runMigrations(urls.owner, allMigrations);
  return {
    env: { DATABASE_URL: urls.runtime, DATABASE_OWNER_URL: urls.owner, DATABASE_OPERATOR_URL: urls.operator },
    drop: async () => {
      const admin = new Client({ connectionString: superuser });
      await admin.connect();
      try {
        await admin.query(`DROP DATABASE ${admin.escapeIdentifier(name)} WITH (FORCE)`);
      } finally {
        await admin.end();
      }
    },
  };
}
