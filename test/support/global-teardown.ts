import { rmSync } from 'node:fs';
import type { EmbeddedDatabase } from '../../libs/core/src/database/embedded-database';

export default async function globalTeardown(): Promise<void> {
  const db = (globalThis as Record<string, unknown>).__consiliumTestDb as EmbeddedDatabase | undefined;
  if (!db) return;
  await db.server.stop();
  if (process.env.TEST_DATA_DIR) rmSync(process.env.TEST_DATA_DIR, { recursive: true, force: true });
}
