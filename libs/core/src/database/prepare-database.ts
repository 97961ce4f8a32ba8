import path from 'node:path';
import { AppConfig, ConfigError } from '../config/config';
import { EmbeddedDatabase, startEmbeddedDatabase } from './embedded-database';
import { MigrationClass, runMigrations } from './migrator';

export interface PreparedDatabase {
  embedded?: EmbeddedDatabase;
  appliedMigrations: string[];
}

/**
 * Gets a database ready for a process: with no DATABASE_URL, starts (or, for the CLI, joins) the embedded
 * PostgreSQL and fills in `config.database`; then applies migrations as the owner when configured to.
 */
export async function prepareDatabase(
  config: AppConfig,
  options: { migrations: MigrationClass[]; mode: 'own' | 'shared'; migrate?: boolean; log?: (message: string) => void },
): Promise<PreparedDatabase> {
  let embedded: EmbeddedDatabase | undefined;
  if (config.embedded) {
    embedded = await startEmbeddedDatabase({
      dataDir: config.dataDir,
      port: config.raw.EMBEDDED_PG_PORT,
      mode: options.mode,
      log: options.log,
    });
    config.database = embedded.urls;
  }
  const migrate = options.migrate ?? config.migrateOnBoot;
  let appliedMigrations: string[] = [];
  if (migrate) {
    if (!config.database.owner) throw new ConfigError(['DATABASE_OWNER_URL: must be set to run migrations (they run as the owner role)']);
    try {
      appliedMigrations = await runMigrations(config.database.owner, options.migrations);
    } catch (error) {
      await embedded?.server.stop();
      throw error;
    }
  }
  return { embedded, appliedMigrations };
}

/** `.data/` shown relative to the working folder, for messages. */
export function shownPath(full: string): string {
  return path.relative(process.cwd(), full) || full;
}
