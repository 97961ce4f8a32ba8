import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { EmbeddedPostgres } from './embedded-postgres';
import { ProvisionedDatabase, provisionDatabase } from './provision';
import { DB_ROLES } from './roles';

export interface EmbeddedDatabase {
  server: EmbeddedPostgres;
  urls: ProvisionedDatabase;
}

/**
 * The embedded default: a PostgreSQL 18 cluster under `<dataDir>/postgres`, the `consilium` database and its three
 * roles, with passwords generated on first start and kept (mode 600) in `<dataDir>/database-roles.json`.
 */
export async function startEmbeddedDatabase(options: {
  dataDir: string;
  port: number;
  database?: string;
  settings?: Record<string, string>;
  mode?: 'own' | 'shared';
  log?: (message: string) => void;
  binDir?: string;
}): Promise<EmbeddedDatabase> {
  mkdirSync(options.dataDir, { recursive: true });
  const server = new EmbeddedPostgres({
    dataDir: path.join(options.dataDir, 'postgres'),
    port: options.port,
    settings: options.settings,
    mode: options.mode,
    log: options.log,
    binDir: options.binDir,
  });
  await server.start();
  try {
    const urls = await provisionDatabase(server.superuserUrl(), options.database ?? 'consilium', rolePasswords(options.dataDir));
    return { server, urls };
  } catch (error) {
    await server.stop();
    throw error;
  }
}

function rolePasswords(dataDir: string): Record<keyof typeof DB_ROLES, string> {
  const file = path.join(dataDir, 'database-roles.json');
  if (existsSync(file)) return JSON.parse(readFileSync(file, 'utf8')) as Record<keyof typeof DB_ROLES, string>;
  const passwords = {
    owner: randomBytes(24).toString('base64url'),
    runtime: randomBytes(24).toString('base64url'),
    operator: randomBytes(24).toString('base64url'),
  };
  writeFileSync(file, JSON.stringify(passwords, null, 2), { mode: 0o600 });
  return passwords;
}
